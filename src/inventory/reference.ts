/**
 * The inventory reference as Markdown, generated from the schema's descriptions — the
 * README's table is this output (a unit test keeps them in sync).
 */
import { z } from 'zod';
import { inventorySchemas } from './schema.js';
import type { InventorySection } from './section.js';
import { unwrapSchema } from './unwrap-schema.js';

export function inventoryReferenceMarkdown(sections: readonly InventorySection[]): string {
  const rows: string[] = ['| key | type | meaning and default |', '| --- | --- | --- |'];
  const inventory = inventorySchemas(sections).inventory;
  // A host's blocks repeat top-level ones (ssh, zookeeper, kafka): described once, at the top.
  const topLevelBlocks = new Set(Object.entries(inventory.shape).filter(([, s]) => unwrapSchema(s as z.ZodType) instanceof z.ZodObject).map(([k]) => k));
  walk(inventory, '', rows, topLevelBlocks);
  return rows.join('\n');
}

function walk(schema: z.ZodType, prefix: string, rows: string[], topLevelBlocks: ReadonlySet<string>): void {
  const s = unwrapSchema(schema);
  if (s instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(s.shape as Record<string, z.ZodType>)) {
      const name = prefix ? `${prefix}.${key}` : key;
      const inner = unwrapSchema(child);
      const perHost = prefix === 'hosts[]' && topLevelBlocks.has(key);
      const desc = perHost ? `the keys of the top-level \`${key}\` block, for this host only` : (child.description ?? inner.description ?? '').replace(/\|/g, '\\|');
      rows.push(`| \`${name}\` | ${typeName(inner)} | ${desc} |`);
      if (perHost) continue;
      if (inner instanceof z.ZodObject) walk(inner, name, rows, topLevelBlocks);
      else if (inner instanceof z.ZodArray && unwrapSchema(inner.element as z.ZodType) instanceof z.ZodObject) walk(inner.element as z.ZodType, `${name}[]`, rows, topLevelBlocks);
    }
  }
}

function typeName(s: z.ZodType): string {
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodNumber) return 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodEnum) return (s.options as string[]).join(' \\| ');
  if (s instanceof z.ZodArray) return `list of ${typeName(unwrapSchema(s.element as z.ZodType))}`;
  if (s instanceof z.ZodObject) return 'mapping';
  if (s instanceof z.ZodRecord) return 'mapping of key: value';
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).map((o) => typeName(unwrapSchema(o))).join(' \\| ');
  if (s instanceof z.ZodLiteral) return JSON.stringify(s.value);
  return 'value';
}
