import { EventEmitter } from 'node:events';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { driveSudoChannel, newSudoMarkers, SudoStderrWatcher, sudoWithPromptCommand, type SudoChannel } from '../../../src/transport/sudo-handshake.js';

const m = newSudoMarkers();

describe('sudo prompt handshake: the stderr watcher', () => {
  it('NOPASSWD or a cached timestamp: started without a prompt, so the password is never asked for', () => {
    const w = new SudoStderrWatcher(m);
    expect(w.feed(`${m.started}\nwarning from the command\n`)).toEqual(['started']);
    expect(w.commandStderr()).toBe('warning from the command\n');
    expect(w.feed('more\n')).toEqual([]);
    expect(w.commandStderr()).toBe('warning from the command\nmore\n');
  });

  it('a prompt split over chunks, after a lecture; then started', () => {
    const w = new SudoStderrWatcher(m);
    expect(w.feed('We trust you have received the usual lecture…\n')).toEqual([]);
    expect(w.feed(m.prompt.slice(0, 7))).toEqual([]);
    expect(w.feed(m.prompt.slice(7))).toEqual(['send-password']);
    expect(w.feed(m.started.slice(0, 10))).toEqual([]);
    expect(w.feed(`${m.started.slice(10)}\n`)).toEqual(['started']);
    expect(w.commandStderr()).toBe('');
    expect(w.sudoOutput()).toBe('We trust you have received the usual lecture…');
  });

  it('a second prompt means the password was refused', () => {
    const w = new SudoStderrWatcher(m);
    expect(w.feed(m.prompt)).toEqual(['send-password']);
    expect(w.feed(`Sorry, try again.\n${m.prompt}`)).toEqual(['wrong-password']);
    expect(w.started).toBe(false);
    expect(w.sudoOutput()).toBe('Sorry, try again.');
  });

  it('a marker printed by the command after it started is the command\'s output', () => {
    const w = new SudoStderrWatcher(m);
    expect(w.feed(`${m.started}\n${m.prompt}`)).toEqual(['started']);
    expect(w.feed(m.prompt)).toEqual([]);
  });

  it('the wrapped command is valid sh that prints the marker first', () => {
    const cmd = sudoWithPromptCommand("echo 'it''s' \"$HOME\" >/dev/null; echo done", m);
    expect(cmd.startsWith(`sudo -S -p '${m.prompt}' -- sh -c `)).toBe(true);
    const inner = execFileSync('sh', ['-c', cmd.replace(/^sudo -S -p '[^']*' -- /, '')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(inner).toBe('done\n');
    const stderr = execFileSync('sh', ['-c', `${cmd.replace(/^sudo -S -p '[^']*' -- /, '')} 2>&1 >/dev/null`], { encoding: 'utf8' });
    expect(stderr).toBe(`${m.started}\n`);
  });
});

/** A stand-in for an ssh2 channel that plays sudo: it records every byte written to it. */
class ScriptedSudo extends EventEmitter implements SudoChannel {
  stderr = new EventEmitter();
  written: string[] = [];
  ended = false;
  constructor(private readonly script: (ch: ScriptedSudo, wrote: string | undefined) => void) {
    super();
    setImmediate(() => this.script(this, undefined));
  }
  write(d: string | Buffer): boolean {
    this.written.push(d.toString());
    setImmediate(() => this.script(this, d.toString()));
    return true;
  }
  end(): void {
    this.ended = true;
    setImmediate(() => this.script(this, undefined));
  }
  close(): void {
    this.finish(null);
  }
  finish(code: number | null): void {
    this.emit('exit', code);
    this.emit('close');
  }
}

describe('sudo prompt handshake: what is written to the channel', () => {
  const password = 'pw-Secret-1';
  const content = 'tickTime=2000\n';

  it('no prompt: only the content is written, never the password', async () => {
    let phase = 0;
    const ch = new ScriptedSudo((c, wrote) => {
      if (phase === 0) (phase = 1), c.stderr.emit('data', Buffer.from(`${m.started}\n`));
      else if (c.ended && phase === 1) (phase = 2), c.finish(0);
      void wrote;
    });
    const r = await driveSudoChannel(ch, m, password, content);
    expect(ch.written).toEqual([content]);
    expect(r).toMatchObject({ started: true, code: 0, passwordRefused: false });
  });

  it('a prompt: the password alone, then (after started) the content alone', async () => {
    let phase = 0;
    const ch = new ScriptedSudo((c, wrote) => {
      if (phase === 0) (phase = 1), c.stderr.emit('data', Buffer.from(m.prompt));
      else if (phase === 1 && wrote === `${password}\n`) (phase = 2), c.stderr.emit('data', Buffer.from(`${m.started}\n`));
      else if (phase === 2 && c.ended) (phase = 3), c.emit('data', Buffer.from('ok\n')), c.finish(0);
    });
    const r = await driveSudoChannel(ch, m, password, content);
    expect(ch.written).toEqual([`${password}\n`, content]);
    expect(r).toMatchObject({ started: true, code: 0, stdout: 'ok\n' });
  });

  it('a wrong password: written once, the content never, the channel ends', async () => {
    let phase = 0;
    const ch = new ScriptedSudo((c, wrote) => {
      if (phase === 0) (phase = 1), c.stderr.emit('data', Buffer.from(m.prompt));
      else if (phase === 1 && wrote) (phase = 2), c.stderr.emit('data', Buffer.from(`Sorry, try again.\n${m.prompt}`));
      else if (phase === 2 && c.ended) (phase = 3), c.stderr.emit('data', Buffer.from('sudo: 1 incorrect password attempt\n')), c.finish(1);
    });
    const r = await driveSudoChannel(ch, m, password, content);
    expect(ch.written).toEqual([`${password}\n`]);
    expect(r).toMatchObject({ started: false, passwordRefused: true, code: 1 });
    expect(r.stderr).toContain('incorrect password');
  });

  it('neither marker (a prompt zkk does not know): nothing is written, no hang', async () => {
    const ch = new ScriptedSudo((c, wrote) => {
      if (!wrote && !c.ended) c.stderr.emit('data', Buffer.from('Password: '));
    });
    const r = await driveSudoChannel(ch, m, password, content, 50);
    expect(ch.written).toEqual([]);
    expect(r).toMatchObject({ started: false, noHandshake: true });
  });
});
