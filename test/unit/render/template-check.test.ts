/** No template can write a value without its format's escaping helper. */
import { readdirSync, readFileSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { FORMAT_HELPERS, builtinTemplateDir, compileTemplate, renderTemplate } from '../../../src/render/templates.js';
import { rawOutputProblems } from '../../../src/render/template-check.js';
import { ZkkError } from '../../../src/errors/zkk-error.js';

const builtin = readdirSync(builtinTemplateDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.hbs'));

describe('built-in templates', () => {
  it('there are templates to check', () => expect(builtin.length).toBeGreaterThanOrEqual(9));
  it.each(builtin)('%s: every mustache goes through a format helper', (name) => {
    const ast = Handlebars.parse(readFileSync(path.join(builtinTemplateDir, name), 'utf8'));
    expect(rawOutputProblems(ast, FORMAT_HELPERS)).toEqual([]);
  });
});

describe('the check refuses every way of writing a raw value', () => {
  it.each([
    ['dataDir={{s.dataDir}}', 1, 9, /s\.dataDir.*without escaping/],
    ['x\n  {{{s.dataDir}}}', 2, 3, /without escaping/],
    ['{{#each extra}}{{this}}{{/each}}', 1, 16, /\{\{this\}\} writes a value/],
    ['{{#if a}}ok{{else}}{{b}}{{/if}}', 1, 20, /\{\{b\}\}/],
    ['{{#join list ","}}x{{/join}}', 1, 1, /#join.*not allowed/],
    ['{{> header}}', 1, 1, /PartialStatement/],
    ['{{lookup s "dataDir"}}', 1, 1, /lookup/],
    ['{{sh}}', 1, 1, /needs a value/],
    ['{{@index}}', 1, 1, /@index/],
  ])('%j', (source, line, column, message) => {
    const problems = rawOutputProblems(Handlebars.parse(source), FORMAT_HELPERS);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line, column });
    expect(problems[0]!.message).toMatch(message);
  });
  it('helpers are fine anywhere, including sub-expressions and inside blocks', () => {
    expect(rawOutputProblems(Handlebars.parse('{{#each xs}}{{prop (join this ",")}}{{num @index}}{{/each}}'), FORMAT_HELPERS)).toEqual([]);
  });
  it('compiling names the file, line and column (exit 2)', () => {
    try {
      compileTemplate('ok\nPIDFILE={{pidFile}}\n', '/x/zookeeper.init.hbs');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ZkkError);
      expect((e as ZkkError).exitCode).toBe(2);
      expect((e as ZkkError).message).toContain('/x/zookeeper.init.hbs:2:9');
    }
  });
  it('an inventory-local override template is held to the same rule', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zkk-override-'));
    mkdirSync(path.join(dir, 'zookeeper'));
    writeFileSync(path.join(dir, 'zookeeper', 'myid.hbs'), '{{myid}}\n');
    expect(() => renderTemplate('zookeeper/myid.hbs', { myid: 1 }, { overrideDir: dir })).toThrow(/myid\.hbs:1:1.*without escaping/);
    writeFileSync(path.join(dir, 'zookeeper', 'zoo.cfg.hbs'), '# local\ndataDir={{prop dataDir}}\n');
    expect(renderTemplate('zookeeper/zoo.cfg.hbs', { dataDir: '/d\nserver.9=x' }, { overrideDir: dir })).toBe('# local\ndataDir=/d\\nserver.9=x\n');
  });
  it('a helper called with the wrong number of values is an error, not silence', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zkk-override-'));
    writeFileSync(path.join(dir, 'env.hbs'), 'Environment={{unitEnv "A"}}\n');
    expect(() => renderTemplate('env.hbs', {}, { overrideDir: dir })).toThrow(/takes 2 value/);
    writeFileSync(path.join(dir, 'missing.hbs'), 'X={{sh nothere}}\n');
    expect(() => renderTemplate('missing.hbs', {}, { overrideDir: dir })).toThrow(ZkkError);
  });
});
