/**
 * Load an inventory file: YAML with positions, schema check, then resolve + rules.
 * Every problem becomes an InventoryError naming file:line:column and the field, with a
 * hint ("did you mean …") where one helps. Problems are collected, not thrown one by one.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InventoryError, ZkkError } from '../errors/zkk-error.js';
import { inventoryProblems } from './problems.js';
import { inventorySchemas, type InventoryInput } from './schema.js';
import { resolveInventory, type Inventory } from './resolve.js';
import { unwrapSchema } from './unwrap-schema.js';
import type { InventorySection } from './section.js';
import { closest } from './did-you-mean.js';
import { fieldName } from './field-name.js';

export { fieldName } from './field-name.js';
import { decodeInventoryBytes, parseYamlSource, type SourceMap } from './yaml-source.js';

export type { SourceMap } from './yaml-source.js';

/** `sections`: the roles' inventory blocks (roles/all-roles.ts `inventorySections`). */
export async function loadInventory(file: string, sections: readonly InventorySection[]): Promise<Inventory> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InventoryError(code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`, {
      file,
      hint: code === 'ENOENT' ? 'create one with `zkk init`, or see inventories/ for examples' : undefined,
    });
  }
  return parseInventory(decodeInventoryBytes(bytes, file), file, sections);
}

export function parseInventory(text: string, file: string, sections: readonly InventorySection[]): Inventory {
  if (!Array.isArray(sections)) throw new TypeError('parseInventory(text, file, sections): pass the roles\' inventory sections (inventorySections from roles/all-roles.ts)');
  try {
    return parseValidated(text, file, sections);
  } catch (e) {
    if (e instanceof ZkkError) throw e;
    // Nothing a file holds may end in a stack trace: whatever slipped through is still the file's problem.
    throw new InventoryError(`could not be read: ${(e as Error)?.message ?? String(e)}`, {
      file,
      hint: 'if this file is a valid inventory, this is a zkk bug: please report it with the file',
    });
  }
}

function parseValidated(text: string, file: string, sections: readonly InventorySection[]): Inventory {
  const schema = inventorySchemas(sections).inventory;
  const { data, sources } = parseYamlSource(text, file);
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    throw new InventoryError('the inventory must be a mapping with cluster, hosts, …', { file, line: 1, column: 1, hint: 'see inventories/lab.yml for an example' });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const errors = parsed.error.issues.flatMap((issue) => issueToErrors(issue, sources, schema));
    errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw inventoryProblems(errors);
  }
  return resolveInventory(parsed.data as InventoryInput, sources, sections);
}

function issueToErrors(issue: z.core.$ZodIssue, sources: SourceMap, schema: z.ZodType): InventoryError[] {
  const p = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const known = knownKeysAt(schema, p);
      const guess = closest(k, known);
      const at = sources.locate([...p, k], true);
      return new InventoryError(`unknown key "${k}"`, {
        file: sources.file,
        ...at,
        field: fieldName([...p, k]),
        hint: guess ? `did you mean "${guess}"?` : known.length ? `allowed here: ${known.join(', ')}` : undefined,
      });
    });
  }
  const at = sources.locate(p, issue.code === 'invalid_key');
  let message = issue.code === 'invalid_key' && issue.issues[0] ? `${issue.issues[0].message} (not ${JSON.stringify(p[p.length - 1])})` : issue.message;
  let hint: string | undefined;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    message = 'is required';
    if (p[p.length - 1] === 'hosts') hint = 'list the machines: hosts: [{ address: 10.0.0.1, roles: [zookeeper, kafka] }]';
  } else if (issue.code === 'too_small' && p[p.length - 1] === 'hosts') {
    message = 'needs at least one host';
  } else if (issue.code === 'too_big' || issue.code === 'too_small') {
    hint = /port/i.test(String(p[p.length - 1])) ? 'ports are 1-65535' : undefined;
  } else if (issue.code === 'invalid_value') {
    hint = `one of: ${issue.values.map(String).join(', ')}`;
  }
  return [new InventoryError(message, { file: sources.file, ...at, field: fieldName(p), hint })];
}

/** Keys the schema allows at a path (for "did you mean"). */
function knownKeysAt(schema: z.ZodType, p: readonly (string | number)[]): string[] {
  let s: z.ZodType = schema;
  for (const seg of p) {
    s = unwrapSchema(s);
    if (typeof seg === 'number' && s instanceof z.ZodArray) s = s.element as z.ZodType;
    else if (typeof seg === 'string' && s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[seg] ?? z.never();
    else return [];
  }
  s = unwrapSchema(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

export function inventoryDir(file: string): string {
  return path.dirname(path.resolve(file));
}
