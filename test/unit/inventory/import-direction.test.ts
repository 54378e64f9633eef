/**
 * The inventory is data: it imports no role, engine, transport or UI code (roles hand it
 * their sections), and no role imports the engine. Static imports and dynamic
 * import('…') both count, type-only ones too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.join(__dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** The src/ folders a file's relative imports reach. */
export function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|declare module\s+)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(src, path.resolve(path.dirname(file), s)).split(path.sep)[0]!);
}

describe('one-way imports', () => {
  it.each(sourceFiles(path.join(src, 'inventory')).map((f) => path.relative(src, f)))('%s imports only inventory and errors', (rel) => {
    const wrong = importedFolders(path.join(src, rel)).filter((f) => f !== 'inventory' && f !== 'errors');
    expect(wrong).toEqual([]);
  });
  it.each(sourceFiles(path.join(src, 'roles')).map((f) => path.relative(src, f)))('%s does not import the engine, cli, ui or wizard', (rel) => {
    const wrong = importedFolders(path.join(src, rel)).filter((f) => ['engine', 'cli', 'ui', 'wizard'].includes(f));
    expect(wrong).toEqual([]);
  });
  it('the checker sees a wrong import', () => {
    // engine/run.ts imports roles and the inventory: the scan must report both.
    expect(importedFolders(path.join(src, 'engine/run.ts'))).toEqual(expect.arrayContaining(['roles', 'inventory']));
  });
});
