/**
 * Imports go one way (DESIGN.md, "Layout"):
 *   cli → wizard, ui → engine → roles → ops → facts → shell;  engine → transport → shell;
 *   anyone may import errors; the inventory is data: anyone may import it, it imports nothing
 *   but errors; render is used by roles; nothing imports cli; the engine reaches roles through
 *   the files at the top of roles/ (the role contract and the registry), never a role's own
 *   folder; core modules never import commander, listr2 or @inquirer.
 * Every src/**\/*.ts is read (static imports, `import type`, `export … from`, dynamic `import()`,
 * `require()`), each import is checked against the rule, and no folders may import each other in
 * a cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Each layer folder and the layers it may import directly; what those may import, it may too. */
const MAY_IMPORT: Record<string, string[]> = {
  cli: ['wizard', 'ui'],
  wizard: ['engine'],
  ui: ['engine'],
  engine: ['roles', 'transport', 'inventory'],
  roles: ['ops', 'render', 'inventory'],
  ops: ['facts'],
  facts: ['shell'],
  transport: ['shell'],
  inventory: [],
  render: [],
  shell: [],
  errors: [],
};
const IMPORTABLE_BY_ALL = ['errors', 'inventory'];
const CORE = ['engine', 'roles', 'ops', 'facts', 'inventory', 'transport', 'shell', 'render', 'errors'];
const UI_PACKAGES = /^(commander|listr2|@inquirer\/.*)$/;

/**
 * Imports allowed to break the rule for now. Empty since issue 11 (roles, facts and status get a
 * shell/command-runner.ts CommandRunner from the engine, never a transport Connector); an entry
 * that no longer exists fails the test too, so the list cannot go stale. Keep it empty.
 */
const KNOWN_VIOLATIONS: string[] = [];

/**
 * Imports that close a cycle between folders, listed like KNOWN_VIOLATIONS. Empty since the
 * Java role notifies its own java.changed and the services subscribe to it (Role.notifiedBy).
 */
const KNOWN_CYCLE_EDGES: string[] = [];

interface Import {
  /** src-relative, e.g. engine/status.ts */
  from: string;
  line: number;
  specifier: string;
  /** src-relative file for a relative import, else the package name */
  to: string;
  relative: boolean;
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every import of one file, as TypeScript's own pre-processor finds them (dynamic ones too). */
function importsOf(file: string, text: string): Import[] {
  const from = path.relative(SRC, file).split(path.sep).join('/');
  const lineAt = (pos: number) => text.slice(0, pos).split('\n').length;
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => {
    const relative = f.fileName.startsWith('.');
    const to = relative
      ? path.relative(SRC, path.resolve(path.dirname(file), f.fileName.replace(/\.js$/, '.ts'))).split(path.sep).join('/')
      : f.fileName.startsWith('@')
        ? f.fileName.split('/').slice(0, 2).join('/')
        : f.fileName.split('/')[0]!;
    return { from, line: lineAt(f.pos), specifier: f.fileName, to, relative };
  });
}

const layerOf = (srcPath: string): string => srcPath.split('/')[0]!;

function reachable(layer: string): Set<string> {
  const seen = new Set<string>();
  const walk = (l: string) => {
    for (const next of MAY_IMPORT[l] ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        walk(next);
      }
    }
  };
  walk(layer);
  return seen;
}

/** Why this import breaks the rule, or null. */
function ruleBroken(imp: Import): string | null {
  const from = layerOf(imp.from);
  if (!(from in MAY_IMPORT)) return `${from}/ is not a layer of DESIGN.md (add it to MAY_IMPORT with its place)`;
  if (!imp.relative) return CORE.includes(from) && UI_PACKAGES.test(imp.to) ? `core module ${from}/ imports ${imp.to}` : null;
  if (imp.to.startsWith('../')) return imp.to === '../package.json' ? null : `${imp.to} is outside src/`; // the CLI reads its version
  const to = layerOf(imp.to);
  if (to === from) return null;
  if (!(to in MAY_IMPORT)) return `${imp.to} is not in a layer folder of DESIGN.md`;
  if (IMPORTABLE_BY_ALL.includes(to)) return null;
  if (to === 'cli') return 'nothing imports cli';
  if (!reachable(from).has(to)) return `${from} may not import ${to}`;
  if (from === 'engine' && to === 'roles' && imp.to.split('/').length > 2) return 'the engine reaches roles through the role contract and registry (roles/*.ts) only';
  return null;
}

/** A unit of the cycle check: a layer folder; inside roles/, each role folder (and each root file). */
function unitOf(srcPath: string): string {
  const parts = srcPath.split('/');
  if (parts[0] === 'roles' && parts.length > 1) return parts.length > 2 ? `roles/${parts[1]}` : srcPath;
  return parts[0]!;
}

/** Strongly connected groups of more than one unit (Tarjan), each as a sorted list. */
function cyclesIn(edges: [string, string][]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) if (a !== b) (next.get(a) ?? next.set(a, new Set()).get(a)!).add(b);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return out;
}

const key = (imp: Import) => `${imp.from} -> ${imp.to}`;
const imports = sourceFiles().flatMap((f) => importsOf(f, readFileSync(f, 'utf8')));
const broken = imports.map((imp) => ({ imp, why: ruleBroken(imp) })).filter((x): x is { imp: Import; why: string } => x.why !== null);

describe('import direction (DESIGN.md)', () => {
  it('reads the tree: every relative import resolves to a file', () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports.some((i) => i.from === 'roles/kafka/status.ts' && i.specifier.includes('kafka-role'))).toBe(true); // the dynamic import() is seen
    const unresolved = imports.filter((i) => i.relative && !statSync(path.join(SRC, i.to), { throwIfNoEntry: false })?.isFile());
    expect(unresolved.map((i) => `${i.from}:${i.line} ${i.specifier}`)).toEqual([]);
  });

  it('no import runs the wrong way, except the known ones being removed', () => {
    const unexpected = broken.filter((b) => !KNOWN_VIOLATIONS.includes(key(b.imp))).map((b) => `${b.imp.from}:${b.imp.line} imports ${b.imp.specifier}: ${b.why}`);
    expect(unexpected, 'imports against DESIGN.md\'s one-way rule').toEqual([]);
  });

  it('the list of known violations holds only ones that still exist (delete what you fixed)', () => {
    const present = new Set(broken.map((b) => key(b.imp)));
    expect(KNOWN_VIOLATIONS.filter((k) => !present.has(k)), 'fixed: remove from KNOWN_VIOLATIONS').toEqual([]);
    expect(new Set(KNOWN_VIOLATIONS).size).toBe(KNOWN_VIOLATIONS.length);
  });

  it('no two folders import each other, even through others', () => {
    const known = new Set([...KNOWN_VIOLATIONS, ...KNOWN_CYCLE_EDGES]);
    const edges = imports.filter((i) => i.relative && !known.has(key(i))).map((i): [string, string] => [unitOf(i.from), unitOf(i.to)]);
    expect(cyclesIn(edges).map((c) => c.join(' ↔ ')), 'folders in a cycle (a unit: a layer folder, a role folder, a file at the top of roles/)').toEqual([]);
    const present = new Set(imports.map(key));
    expect(KNOWN_CYCLE_EDGES.filter((k) => !present.has(k)), 'gone: remove from KNOWN_CYCLE_EDGES').toEqual([]);
  });

  it('the rule itself is one-way (no layer reaches itself)', () => {
    for (const layer of Object.keys(MAY_IMPORT)) expect(reachable(layer).has(layer), layer).toBe(false);
    expect(cyclesIn(Object.entries(MAY_IMPORT).flatMap(([a, bs]) => bs.map((b): [string, string] => [a, b])))).toEqual([]);
  });
});

describe('the checker catches what it should', () => {
  const imp = (from: string, to: string): Import => ({ from, line: 1, specifier: to, to, relative: true });
  it.each([
    ['ops/file.ts', 'engine/run.ts', 'ops may not import engine'],
    ['inventory/resolve.ts', 'roles/kafka/defaults.ts', 'inventory may not import roles'],
    ['roles/role.ts', 'engine/releases.ts', 'roles may not import engine'],
    ['ui/status-table.ts', 'cli/main.ts', 'nothing imports cli'],
    ['engine/status.ts', 'roles/kafka/wire/index.ts', 'the engine reaches roles through the role contract and registry (roles/*.ts) only'],
    ['wizard/probe.ts', 'ui/run-renderer.ts', 'wizard may not import ui'],
    ['shell/command.ts', 'render/templates.ts', 'shell may not import render'],
    ['transport/ssh.ts', 'facts/probes.ts', 'transport may not import facts'],
    ['errors/zkk-error.ts', 'shell/command.ts', 'errors may not import shell'],
    ['inventory/load.ts', 'shell/command.ts', 'inventory may not import shell'],
    ['engine/run.ts', '../test/x.ts', '../test/x.ts is outside src/'],
  ])('%s -> %s: %s', (from, to, why) => {
    expect(ruleBroken(imp(from, to))).toBe(why);
  });

  it.each([
    ['cli/main.ts', 'roles/kafka/client.ts'],
    ['wizard/probe.ts', 'transport/ssh.ts'],
    ['engine/run.ts', 'roles/role.ts'],
    ['engine/releases.ts', 'roles/release-spec.ts'],
    ['transport/ssh.ts', 'inventory/ssh-settings.ts'],
    ['ops/file.ts', 'errors/zkk-error.ts'],
    ['roles/kafka/config.ts', 'roles/zookeeper/config.ts'],
    ['shell/command.ts', 'errors/zkk-error.ts'],
  ])('%s -> %s is allowed', (from, to) => {
    expect(ruleBroken(imp(from, to))).toBeNull();
  });

  it('core modules may not import the UI packages; cli, ui and wizard may', () => {
    const pkg = (from: string, name: string): Import => ({ from, line: 1, specifier: name, to: name, relative: false });
    expect(ruleBroken(pkg('engine/run.ts', 'listr2'))).toBe('core module engine/ imports listr2');
    expect(ruleBroken(pkg('roles/role.ts', '@inquirer/prompts'))).toBe('core module roles/ imports @inquirer/prompts');
    expect(ruleBroken(pkg('ops/file.ts', 'commander'))).toBe('core module ops/ imports commander');
    expect(ruleBroken(pkg('ui/run-renderer.ts', 'listr2'))).toBeNull();
    expect(ruleBroken(pkg('wizard/ask.ts', '@inquirer/prompts'))).toBeNull();
  });

  it('import type, export from and dynamic import() are all seen', () => {
    const found = importsOf(path.join(SRC, 'ops/x.ts'), "import type { A } from '../engine/a.js';\nexport { b } from './b.js';\nconst c = await import('../cli/c.js');\n");
    expect(found.map((i) => [i.to, i.line])).toEqual([['engine/a.ts', 1], ['ops/b.ts', 2], ['cli/c.ts', 3]]);
  });

  it('a cycle through three folders is found', () => {
    expect(cyclesIn([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']])).toEqual([['a', 'b', 'c']]);
  });
});
