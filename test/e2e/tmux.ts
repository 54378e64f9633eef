/**
 * A real terminal for end-to-end tests of interactive commands: the command runs in a
 * tmux pane (its own tmux server, on a private socket), keystrokes go in with send-keys,
 * the screen comes back with capture-pane. The pane stays after the command exits, so
 * its exit status can be read.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function haveTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const shQuote = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

let counter = 0;

export class TmuxSession {
  private constructor(
    private readonly socket: string,
    private readonly statusFile: string,
    readonly log: string[],
  ) {}

  /** Start argv in a new pane of a private tmux server (cwd, environment of this process plus env). */
  static async start(argv: string[], opts: { cwd?: string; env?: Record<string, string>; width?: number; height?: number } = {}): Promise<TmuxSession> {
    const socket = `zkk-e2e-${process.pid}-${++counter}`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-tmux-'));
    const conf = path.join(dir, 'tmux.conf');
    // remain-on-exit from the start: the pane (and its last screen) outlives the command.
    writeFileSync(conf, 'set -g remain-on-exit on\nset -g history-limit 5000\nset -g status off\n');
    // tmux's #{pane_dead_status} is sometimes empty (the pty closes before the child is
    // reaped), so a wrapper shell records the exit status in a file.
    const statusFile = path.join(dir, 'status');
    const command = `${argv.map(shQuote).join(' ')}; echo $? > ${shQuote(statusFile)}`;
    const s = new TmuxSession(socket, statusFile, []);
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await s.tmux(['-f', conf, 'new-session', '-d', '-s', 'e2e', '-x', String(opts.width ?? 200), '-y', String(opts.height ?? 50), ...(opts.cwd ? ['-c', opts.cwd] : []), ...env, command]);
    return s;
  }

  private tmux(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new Error(`tmux ${args[0]}: ${stderr || err.message}`)) : resolve(stdout)));
    });
  }

  /** The visible screen plus some scrollback, as plain text (no colours). */
  async screen(scrollback = 200): Promise<string> {
    const text = await this.tmux(['capture-pane', '-p', '-J', '-t', 'e2e', '-S', String(-scrollback)]);
    return text.replace(/\n+$/, '');
  }

  /** Wait until the screen matches; the error shows the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      last = await this.screen();
      if (pattern.test(last)) return last;
      if (Date.now() > deadline) throw new Error(`screen did not show ${pattern} within ${timeoutMs} ms; it shows:\n${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Literal text, as typed or pasted ("\r" is Enter). */
  async type(text: string): Promise<void> {
    this.log.push(`type ${JSON.stringify(text)}`);
    await this.tmux(['send-keys', '-t', 'e2e', '-l', text]);
  }

  /** Named keys: Enter, Down, Up, Space, C-c, C-u … */
  async keys(...names: string[]): Promise<void> {
    this.log.push(`keys ${names.join(' ')}`);
    await this.tmux(['send-keys', '-t', 'e2e', ...names]);
  }

  /** Wait for a question, then type the answer (may be '') and press Enter. */
  async answer(question: RegExp, text: string): Promise<void> {
    await this.waitFor(question);
    if (text) await this.type(text);
    await this.keys('Enter');
  }

  /** Wait for a question whose answer is refused, then check the reason and clear the line. */
  async refused(question: RegExp, text: string, reason: RegExp): Promise<void> {
    await this.waitFor(question);
    await this.type(text);
    await this.keys('Enter');
    await this.waitFor(reason);
    await this.keys('C-u');
  }

  /** The exit status of the command once it has ended. */
  async exitStatus(timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = existsSync(this.statusFile) ? readFileSync(this.statusFile, 'utf8').trim() : '';
      if (status !== '') return Number(status);
      if (Date.now() > deadline) throw new Error(`the command is still running after ${timeoutMs} ms; screen:\n${await this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stop this session's tmux server (and so its command); remove its files. */
  async kill(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => undefined);
    rmSync(path.dirname(this.statusFile), { recursive: true, force: true });
  }
}
