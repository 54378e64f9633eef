/**
 * Hostile YAML: every class the loader guards against ends in named InventoryErrors
 * (exit 2) with file:line:column where the file has one — never an exception from the
 * parser. (An alias bomb used to end in "internal error (please report)", exit 1.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { InventoryError, InventoryErrors } from '../../../src/errors/zkk-error.js';
import { loadInventory, parseInventory } from '../../../src/inventory/load.js';
import { MAX_REPORTED } from '../../../src/inventory/problems.js';
import type { InventorySection } from '../../../src/inventory/section.js';
import { MAX_INVENTORY_BYTES, MAX_NESTING } from '../../../src/inventory/yaml-source.js';
import { inventorySections } from '../../../src/roles/all-roles.js';

const host = 'hosts:\n  - { address: 10.213.0.1, roles: [zookeeper] }\n';
const valid = `cluster: x\n${host}`;

function problemsOf(run: () => unknown): InventoryError[] {
  try {
    run();
  } catch (e) {
    if (e instanceof InventoryErrors) return e.errors;
    if (e instanceof InventoryError) return [e];
    throw new Error(`not a named inventory error: ${String(e)}`);
  }
  throw new Error('accepted');
}
const parse = (text: string) => () => parseInventory(text, 'inv.yml', inventorySections);

function expectRefused(text: string, message: RegExp, line?: number, column?: number): InventoryError {
  const errs = problemsOf(parse(text));
  const e = errs.find((x) => message.test(x.message));
  expect(e, errs.map((x) => x.message).join('\n')).toBeDefined();
  expect(e!.exitCode).toBe(2);
  expect(e!.file).toBe('inv.yml');
  if (line !== undefined) expect(e!.line).toBe(line);
  if (column !== undefined) expect(e!.column).toBe(column);
  return e!;
}

function aliasBomb(): string {
  let text = `${valid}a: &a [x, x, x, x, x, x, x, x, x, x]\n`;
  for (let i = 1; i < 9; i++) text += `b${i}: &b${i} [${Array(10).fill(i === 1 ? '*a' : `*b${i - 1}`).join(', ')}]\n`;
  return text;
}

describe('hostile YAML is refused by name, with a position', () => {
  it('an alias bomb (billion laughs)', () => {
    const e = expectRefused(aliasBomb(), /aliases expand to too much data/, 5);
    expect(e.hint).toMatch(/at most 100 times/);
  });
  it('an alias with no anchor', () => expectRefused(`cluster: *nope\n${host}`, /alias \*nope names no anchor/, 1, 10));
  it('aliases that merely reuse a block are fine', () => {
    const inv = parseInventory(`cluster: x\nssh: &s { user: deploy }\nhosts:\n  - { address: 10.213.0.1, roles: [zookeeper], ssh: *s }\n`, 'inv.yml', inventorySections);
    expect(inv.hosts[0]!.ssh.user).toBe('deploy');
  });
  it('nesting deeper than an inventory (flow and block style)', () => {
    expectRefused(`${valid}z: ${'['.repeat(MAX_NESTING + 5)}${']'.repeat(MAX_NESTING + 5)}\n`, new RegExp(`nested deeper than ${MAX_NESTING} levels`), 4);
    const block = `${valid}z:\n${Array.from({ length: 40 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`;
    expectRefused(block, /nested deeper than/);
    expectRefused(`${valid}z: ${'['.repeat(20000)}${']'.repeat(20000)}\n`, /nested deeper/, 4);
  });
  it('a file larger than an inventory ever is', () => {
    expectRefused(`${valid}# ${'x'.repeat(MAX_INVENTORY_BYTES)}\n`, /at most 1048576 bytes/);
  });
  it('a key twice in one block, in linear time', () => {
    expectRefused(`cluster: x\ncluster: y\n${host}`, /key "cluster" appears twice/, 2, 1);
    const many = `${valid}z: {${Array.from({ length: 30000 }, () => 'k: 1').join(', ')}}\n`;
    const started = Date.now();
    const errs = problemsOf(parse(many));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(errs).toHaveLength(MAX_REPORTED + 1);
    expect(errs[MAX_REPORTED]!.message).toMatch(/and \d+ more problems/);
  });
  it.each([
    ['a custom tag', `cluster: !foo x\n${host}`, /Unresolved tag: !foo/],
    ['a language tag', `cluster: !!js/function "x"\n${host}`, /Unresolved tag/],
    ['a binary scalar', `cluster: !!binary aGVsbG8=\n${host}`, /tag tag:yaml.org,2002:binary is not plain data/],
    ['a set', `cluster: x\nhosts: !!set { a }\n`, /tag tag:yaml.org,2002:set is not plain data/],
    ['an ordered map', `cluster: x\nhosts: !!omap [ a: 1 ]\n`, /tag tag:yaml.org,2002:omap is not plain data/],
  ])('%s', (_, text, message) => expectRefused(text, message, 1 + Number(text.startsWith('cluster: x'))));
  it('a mapping or a list as a key', () => expectRefused(`? [a, b]\n: 1\n${valid}`, /a key must be a plain word/, 1, 3));
  it('control characters (NUL, escape, DEL, C1)', () => {
    expectRefused('cluster: x\u0000\nhosts: []\n', /control character U\+0000/, 1, 11);
    expectRefused(`cluster: x\n# \u001b[31m\n${host}`, /control character U\+001B/, 2, 3);
    expectRefused(`cluster: x\u007f\n${host}`, /U\+007F/, 1);
    expectRefused(`cluster: x\u0085\n${host}`, /U\+0085/, 1);
  });
  it('a byte order mark is skipped, tabs and CRLF line ends are fine', () => {
    expect(parseInventory(`\uFEFF${valid}`, 'inv.yml', inventorySections).cluster).toBe('x');
    expect(parseInventory(`${valid}#\tcomment\n`.replace(/\n/g, '\r\n'), 'inv.yml', inventorySections).hosts).toHaveLength(1);
  });
  it('two documents in one file', () => {
    const e = expectRefused(`${valid}---\ncluster: y\n`, /multiple documents/, 4);
    expect(e.hint).toMatch(/one inventory per file/);
  });
  it.each([
    ['an empty file', ''],
    ['only a comment', '# nothing\n'],
    ['a scalar', 'hello\n'],
    ['a list', '- a\n- b\n'],
    ['null', '~\n'],
  ])('%s is not a mapping', (_, text) => expectRefused(text, /must be a mapping/, 1));
  it('__proto__ keys stay data (no prototype pollution)', () => {
    expectRefused(`${valid}__proto__: { polluted: 1 }\n`, /unknown key "__proto__"/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bytes from disk', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-hostile-'));
  const file = (name: string, bytes: Uint8Array | string) => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const loadProblems = async (p: string) => {
    try {
      await loadInventory(p, inventorySections);
    } catch (e) {
      if (e instanceof InventoryErrors) return e.errors;
      if (e instanceof InventoryError) return [e];
      throw e;
    }
    throw new Error('accepted');
  };

  it('not UTF-8 (Latin-1): named, with the line of the first bad byte', async () => {
    const p = file('latin1.yml', Buffer.concat([Buffer.from('cluster: x\n# caf'), Buffer.from([0xe9]), Buffer.from(`\n${host}`)]));
    const [e] = await loadProblems(p);
    expect(e!.message).toMatch(/is not UTF-8 text/);
    expect([e!.file, e!.line, e!.column]).toEqual([p, 2, 6]);
  });
  it('UTF-16 (with its byte order mark) is not UTF-8 either', async () => {
    const [e] = await loadProblems(file('utf16.yml', Buffer.from(`\uFEFF${valid}`, 'utf16le')));
    expect(e!.message).toMatch(/not UTF-8|control character/);
    expect(e!.exitCode).toBe(2);
  });
  it('a huge file is refused before it is parsed', async () => {
    const [e] = await loadProblems(file('huge.yml', Buffer.alloc(MAX_INVENTORY_BYTES + 1, 0x61)));
    expect(e!.message).toMatch(/at most 1048576 bytes/);
  });
  it('a directory', async () => {
    const [e] = await loadProblems(dir);
    expect(e!.message).toMatch(/cannot read/);
    expect(e!.exitCode).toBe(2);
  });
});

describe('whatever slips through is still a named error', () => {
  it('an exception while resolving becomes an InventoryError (exit 2)', () => {
    const broken: InventorySection = {
      key: 'broken',
      hostRoles: [{ name: 'broken', description: 'broken' }],
      schema: z.strictObject({}),
      resolve: () => {
        throw new RangeError('boom');
      },
    };
    const [e] = problemsOf(() => parseInventory('cluster: x\nhosts:\n  - { address: 10.213.0.1, roles: [broken] }\n', 'inv.yml', [broken]));
    expect(e!.message).toMatch(/could not be read: boom/);
    expect(e!.exitCode).toBe(2);
    expect(e!.hint).toMatch(/please report/);
  });
});
