/** The README's inventory reference, the editor schema and the examples stay true to the schema. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryReferenceMarkdown } from '../../../src/inventory/reference.js';
import { inventoryJsonSchema } from '../../../src/inventory/schema.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';

const root = path.join(__dirname, '../../..');

describe('docs and examples', () => {
  it('README reference table is generated from the schema', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const table = /<!-- reference:start -->\n([\s\S]*?)\n<!-- reference:end -->/.exec(readme)?.[1];
    expect(table, 'regenerate with: node bin/zkk.js schema --markdown').toBe(inventoryReferenceMarkdown(inventorySections));
  });
  it('inventories/inventory.schema.json is the current JSON schema', () => {
    expect(JSON.parse(readFileSync(path.join(root, 'inventories/inventory.schema.json'), 'utf8'))).toEqual(inventoryJsonSchema(inventorySections));
  });
  it.each(readdirSync(path.join(root, 'inventories')).filter((f) => f.endsWith('.yml')))('inventories/%s is valid', async (f) => {
    const inv = await loadInventory(path.join(root, 'inventories', f), inventorySections);
    expect(inv.hosts.length).toBeGreaterThan(0);
  });
});
