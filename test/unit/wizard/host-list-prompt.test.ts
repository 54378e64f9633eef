import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hostListPrompt } from '../../../src/wizard/host-list-prompt.js';
import { applyHostLine } from '../../../src/wizard/validate.js';

/** Drive the prompt with raw keystrokes (as a terminal sends them) and collect the screen text. */
function drive() {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: () => void };
  input.isTTY = true;
  input.setRawMode = () => undefined;
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d: Buffer) => (screen += stripVTControlCharacters(d.toString())));
  const answer = hostListPrompt({ message: 'Hosts', help: 'help line', applyLine: applyHostLine }, { input, output });
  const type = async (s: string) => {
    input.write(s);
    await new Promise((r) => setTimeout(r, 20));
  };
  return { answer, type, screen: () => screen };
}

describe('host list prompt', () => {
  it('takes a pasted multi-line list, refuses bad entries with the reason, finishes on an empty line', async () => {
    const p = drive();
    await p.type('a=10.213.0.1, b=10.213.0.2\rc=10.213.0.3\r'); // one paste, two lines
    expect(p.screen()).toContain('3 host(s)');
    await p.type('d=10.213.0.256\r');
    expect(p.screen()).toContain('d=10.213.0.256: 10.213.0.256 is not a valid IPv4 address');
    await p.type('\x15'); // Ctrl-U clears the refused entry
    await p.type('-b\r'); // takes b back out
    await p.type('\r');
    await expect(p.answer).resolves.toEqual([
      { name: 'a', address: '10.213.0.1' },
      { name: 'c', address: '10.213.0.3' },
    ]);
  });

  it('needs at least one host', async () => {
    const p = drive();
    await p.type('\r');
    expect(p.screen()).toContain('enter at least one host');
    await p.type('10.213.0.9\r\r');
    await expect(p.answer).resolves.toEqual([{ address: '10.213.0.9' }]);
  });
});
