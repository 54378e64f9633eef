/**
 * Running a command through `sudo -S` with a password, without the password ever sharing
 * a stream with the command's own input.
 *
 * The command runs as `sudo -S -p <prompt> -- sh -c 'printf <started> >&2; <command>'`,
 * with two random markers of this connection. Nothing is written to stdin until sudo's
 * stderr shows one of them:
 *   - <prompt>: sudo asks for the password → write it, once;
 *   - <started>: sudo let the command run (NOPASSWD, a cached timestamp, or after the
 *     password) → only now the command's stdin is sent.
 * So when sudo does not prompt, the password is never written; when it prompts a second
 * time the password was wrong and nothing more is written. Whatever sudo prints before
 * <started> (a lecture, "Sorry, try again.") is sudo's, not the command's.
 */
import { randomBytes } from 'node:crypto';
import { quote } from '../shell/command.js';

export interface SudoMarkers {
  prompt: string;
  started: string;
}

export function newSudoMarkers(): SudoMarkers {
  const nonce = randomBytes(12).toString('hex'); // hex: no % escapes for sudo's -p
  return { prompt: `[zkk-sudo-prompt-${nonce}]`, started: `[zkk-sudo-started-${nonce}]` };
}

export function sudoWithPromptCommand(commandText: string, m: SudoMarkers): string {
  return `sudo -S -p ${quote(m.prompt)} -- sh -c ${quote(`printf '%s\\n' ${quote(m.started)} >&2\n${commandText}`)}`;
}

export type SudoSignal = 'send-password' | 'wrong-password' | 'started';

/**
 * Reads sudo's stderr as it arrives (markers may be split across chunks) and says when to
 * send the password, when the password was refused, and when the command started.
 */
export class SudoStderrWatcher {
  private before = '';
  private prompts = 0;
  private afterStart: string[] = [];
  private hasStarted = false;

  constructor(private readonly m: SudoMarkers) {}

  get started(): boolean {
    return this.hasStarted;
  }

  /** Feed a stderr chunk; returns what happened in it, in order. */
  feed(chunk: string): SudoSignal[] {
    if (this.hasStarted) {
      this.afterStart.push(chunk);
      return [];
    }
    this.before += chunk;
    const signals: SudoSignal[] = [];
    const startAt = this.before.indexOf(this.m.started);
    const sudoPart = startAt >= 0 ? this.before.slice(0, startAt) : this.before;
    const promptCount = sudoPart.split(this.m.prompt).length - 1;
    while (this.prompts < promptCount) {
      this.prompts++;
      signals.push(this.prompts === 1 ? 'send-password' : 'wrong-password');
    }
    if (startAt >= 0) {
      this.hasStarted = true;
      let rest = this.before.slice(startAt + this.m.started.length);
      if (rest.startsWith('\n')) rest = rest.slice(1);
      this.afterStart.push(rest);
      this.before = sudoPart;
      signals.push('started');
    }
    return signals;
  }

  /** What sudo itself printed (prompts removed): its errors when the command never started. */
  sudoOutput(): string {
    return this.before.split(this.m.prompt).join('').trim();
  }

  /** The command's own stderr (after the started marker). */
  commandStderr(): string {
    return this.afterStart.join('');
  }
}

/** The part of an ssh2 exec channel the handshake drives. */
export interface SudoChannel {
  on(event: 'data', cb: (d: Buffer) => void): unknown;
  on(event: 'exit', cb: (code: number | null) => void): unknown;
  on(event: 'close', cb: () => void): unknown;
  stderr: { on(event: 'data', cb: (d: Buffer) => void): unknown };
  write(data: string | Buffer): unknown;
  end(): unknown;
  close(): unknown;
}

export interface SudoExecResult {
  stdout: string;
  /** The command's stderr when it started, else what sudo printed. */
  stderr: string;
  code: number | null;
  /** sudo let the command run. */
  started: boolean;
  /** sudo prompted again after the password: it was refused. */
  passwordRefused: boolean;
  /** Neither marker within startTimeoutMs: sudo prompts some other way. */
  noHandshake: boolean;
}

/** Drive one exec channel running sudoWithPromptCommand(…) to its end. */
export function driveSudoChannel(
  ch: SudoChannel,
  m: SudoMarkers,
  password: string,
  stdin: string | Buffer | undefined,
  startTimeoutMs = 30_000,
): Promise<SudoExecResult> {
  return new Promise((resolve) => {
    const watcher = new SudoStderrWatcher(m);
    const out: Buffer[] = [];
    let code: number | null = null;
    let passwordRefused = false;
    let noHandshake = false;
    const guard = setTimeout(() => {
      if (watcher.started) return;
      noHandshake = true;
      ch.close();
    }, startTimeoutMs);
    ch.on('data', (d) => out.push(d));
    ch.on('exit', (c) => (code = c));
    ch.stderr.on('data', (d) => {
      for (const signal of watcher.feed(d.toString('utf8'))) {
        if (signal === 'send-password') ch.write(`${password}\n`);
        else if (signal === 'wrong-password') {
          passwordRefused = true;
          ch.end(); // EOF: sudo gives up; the password is not sent again
        } else {
          clearTimeout(guard);
          if (stdin !== undefined) ch.write(stdin);
          ch.end();
        }
      }
    });
    ch.on('close', () => {
      clearTimeout(guard);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: watcher.started ? watcher.commandStderr() : watcher.sudoOutput(),
        code,
        started: watcher.started,
        passwordRefused,
        noHandshake,
      });
    });
  });
}
