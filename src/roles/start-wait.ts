/**
 * How long a start is waited for. A fixed timeout is wrong both ways: on a slow host (a VM
 * under software emulation, a loaded machine) a healthy JVM may need minutes before it serves,
 * and a JVM that exited on its first second should not be waited for at all. So: the role's
 * usual wait first; past it, the wait goes on (up to a cap) only while every process still not
 * serving is alive, and ends at once, naming the host, when one of them has exited.
 */
import { gatherFacts } from '../facts/gather.js';
import type { Probe, ProcessFact } from '../facts/probes.js';
import { quote, script } from '../shell/command.js';
import type { HandlerReporter, LiveHost } from './role.js';

/** A JVM alive but still not serving after this long is stuck, not slow. */
export const START_WAIT_MAX_MS = 600_000;

export interface NotReady {
  name: string;
  /** Its process is running (from its pid file), as read just now. */
  alive: boolean;
  /** Its pid when alive: another one later means its service manager restarted it (a crash loop). */
  pid?: number;
  /** When it has exited: the last error line of its log, if one was found. */
  cause?: string;
}

export type StartVerdict = { wait: true; slow?: string } | { wait: false; reason: string };

/**
 * Pure: go on waiting or stop, after `elapsedMs`, for the hosts still not serving.
 * `what` names the service ("ZooKeeper", "Kafka"), `logDir` where its log is.
 */
export function startVerdict(elapsedMs: number, baseMs: number, maxMs: number, notReady: readonly NotReady[], what: string, logDir: (host: string) => string): StartVerdict {
  if (elapsedMs < baseMs) return { wait: true };
  if (notReady.length === 0) return { wait: false, reason: `not settled within ${Math.round(baseMs / 1000)} s` };
  const dead = notReady.filter((n) => !n.alive);
  if (dead.length > 0) {
    const causes = dead.filter((d) => d.cause).map((d) => `${d.name}: ${d.cause}`);
    return {
      wait: false,
      reason: `${dead.map((d) => d.name).join(', ')}: the ${what} process is not running (it exited while starting${causes.length ? `; the last error in its log: ${causes.join('; ')}` : ''}; its log is in ${dead.map((d) => `${d.name}:${logDir(d.name)}`).join(', ')})`,
    };
  }
  if (elapsedMs < maxMs)
    return { wait: true, slow: `${notReady.map((n) => n.name).join(', ')}: ${what} still starting after ${Math.round(elapsedMs / 1000)} s, its JVM alive; waiting up to ${Math.round(maxMs / 1000)} s` };
  return { wait: false, reason: `${notReady.map((n) => n.name).join(', ')}: ${what} alive but still not serving after ${Math.round(maxMs / 1000)} s` };
}

/** A log line worth naming as the cause: Kafka's and ZooKeeper's ERROR/FATAL lines, a JVM's own errors. */
const ERROR_LINE = /\b(ERROR|FATAL)\b|^Error: |^Exception in thread|^Caused by: /;

/**
 * Pure: the last error line among a log's last lines, cut to a readable length (its timestamp and
 * logger kept). With `prefer`, the last error line matching it when there is one: a known root cause
 * ahead of the shutdown noise that follows it.
 */
export function lastErrorLine(logTail: string, prefer?: RegExp): string | undefined {
  const lines = logTail.split('\n').map((l) => l.trim()).filter((l) => ERROR_LINE.test(l));
  const preferred = prefer ? lines.filter((l) => prefer.test(l)) : [];
  const last = preferred[preferred.length - 1] ?? lines[lines.length - 1];
  if (last === undefined) return undefined;
  return last.length > 400 ? `${last.slice(0, 400)}…` : last;
}

/** A service's log files: its log directory (from the inventory, quoted) and file names or globs (zkk's constants). */
export interface LogFiles {
  dir: string;
  names: readonly string[];
  /** A known root cause: named ahead of later error lines (lastErrorLine). */
  prefer?: RegExp;
}

/**
 * The last lines of a service's logs (the files that exist, oldest first by mtime, so the
 * newest error comes last), one command; never fails the caller.
 */
async function logCause(l: LiveHost, files: LogFiles | undefined): Promise<string | undefined> {
  if (!files || files.names.length === 0) return undefined;
  try {
    // one name per line (a directory with a space stays one path); the names' globs expand, the directory is quoted
    const body = `ls -1tr ${files.names.map((n) => `${quote(files.dir)}/${n}`).join(' ')} 2>/dev/null | while IFS= read -r f; do tail -n 200 "$f"; done`;
    const r = await l.conn.exec(script(body, 'tail of the service log'), { check: false, timeoutMs: 10_000 });
    return lastErrorLine(r.stdout, files.prefer);
  } catch {
    return undefined;
  }
}

/**
 * Whether each host's process runs, one batched probe per host, in parallel. For a process that
 * has exited, `logFiles` (the service's log files on that host) are read for the last error line.
 */
export async function processesAlive(hosts: readonly LiveHost[], probe: (l: LiveHost) => Probe<ProcessFact>, logFiles: (l: LiveHost) => LogFiles | undefined = () => undefined): Promise<NotReady[]> {
  return Promise.all(
    hosts.map(async (l) => {
      try {
        const p = probe(l);
        const f = (await gatherFacts(l.conn, [p])).get(p);
        if (f.running) return { name: l.host.name, alive: true, pid: f.pid };
        const cause = await logCause(l, logFiles(l));
        return cause ? { name: l.host.name, alive: false, cause } : { name: l.host.name, alive: false };
      } catch {
        // the host did not answer: not known to be dead; the cap still ends the wait
        return { name: l.host.name, alive: true };
      }
    }),
  );
}

/**
 * A start wait's loop state: call `verdict` with the hosts not serving yet after each poll.
 * Says "still starting" once per minute while it extends the wait.
 */
export class StartWait {
  private readonly t0 = Date.now();
  private lastNote = 0;
  /** The pid each host's process had when first asked (past the base wait). */
  private readonly pids = new Map<string, number>();
  constructor(
    private readonly baseMs: number,
    private readonly what: string,
    private readonly logDir: (host: string) => string,
    private readonly report: HandlerReporter,
    private readonly maxMs = Math.max(START_WAIT_MAX_MS, baseMs),
  ) {}

  get elapsedMs(): number {
    return Date.now() - this.t0;
  }

  /** Past the base wait only: asks the not-ready hosts' processes (a round trip each). */
  async verdict(notReady: () => Promise<NotReady[]>): Promise<StartVerdict> {
    const elapsed = this.elapsedMs;
    if (elapsed < this.baseMs) return { wait: true };
    const hosts = await notReady();
    const restarted = hosts.filter((h) => h.pid !== undefined && this.pids.has(h.name) && this.pids.get(h.name) !== h.pid);
    if (restarted.length > 0)
      return { wait: false, reason: `${restarted.map((h) => h.name).join(', ')}: the ${this.what} process exited and was started again by its service manager while starting (a crash loop; its log is in ${restarted.map((h) => `${h.name}:${this.logDir(h.name)}`).join(', ')})` };
    for (const h of hosts) if (h.pid !== undefined && !this.pids.has(h.name)) this.pids.set(h.name, h.pid);
    const v = startVerdict(elapsed, this.baseMs, this.maxMs, hosts, this.what, this.logDir);
    if (v.wait && v.slow && Date.now() - this.lastNote >= 60_000) {
      this.lastNote = Date.now();
      this.report.info(undefined, v.slow);
    }
    return v;
  }
}
