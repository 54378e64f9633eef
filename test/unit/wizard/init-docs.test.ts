/** The init options: every interview flag is a CLI option, and the README's table is generated from them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { addInitOptions, initOptions, initOptionsMarkdown } from '../../../src/cli/init-options.js';
import { FLAG } from '../../../src/wizard/interview.js';

describe('zkk init options', () => {
  it('every interview flag is an option, and every option is used', () => {
    const longNames = initOptions.map((o) => /--[a-z-]+/.exec(o.flags)![0]);
    const wanted = Object.values(FLAG).flatMap((f) => f.split('/'));
    for (const f of wanted) expect(longNames, f).toContain(f);
    expect(longNames.filter((n) => !wanted.includes(n)).sort()).toEqual(['--force', '--no-probe', '--probe', '--yes']);
  });

  it('commander parses them into the interview flags', () => {
    const cmd = addInitOptions(new Command('init').exitOverride()).argument('[file]');
    cmd.parse(['--hosts', 'a=10.213.0.1', '--kafka-mode', 'zookeeper', '--ssh-port', '2222', '--no-sudo', '--probe', '-y'], { from: 'user' });
    expect(cmd.opts()).toEqual({ hosts: 'a=10.213.0.1', kafkaMode: 'zookeeper', sshPort: '2222', sudo: false, probe: true, yes: true });
    const unset = addInitOptions(new Command('init').exitOverride()).argument('[file]');
    unset.parse([], { from: 'user' });
    expect(unset.opts()).toEqual({}); // --sudo/--probe stay undefined: asked, or defaulted by the interview
  });

  it('the README table is generated from them', () => {
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const table = /<!-- init-options:start -->\n([\s\S]*?)\n<!-- init-options:end -->/.exec(readme)?.[1];
    expect(table, 'regenerate from initOptionsMarkdown() in src/cli/init-options.ts').toBe(initOptionsMarkdown());
  });
});
