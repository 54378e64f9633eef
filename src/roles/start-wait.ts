/**
 * How long a start is waited for. A fixed timeout is wrong both ways: on a slow host (a VM
 * under software emulation, a loaded machine) a healthy JVM may need minutes before it serves,
 * and a JVM that exited on its first second should not be waited for at all. So: the role's
 * usual wait first; past it, the wait goes on (up to a cap) only while every process still not
 * serving is alive, and ends at once, naming the host, when one of them has exited.
 */
import { gatherFacts } from '../facts/gather.js';
import type { Probe, ProcessFact } from '../facts/probes.js';
import type { HandlerReporter, LiveHost } from './role.js';

/** A JVM alive but still not serving after this long is stuck, not slow. */
export const START_WAIT_MAX_MS = 600_000;

export interface NotReady {
  name: string;
  /** Its process is running (from its pid file), as read just now. */
  alive: boolean;
  /** Its pid when alive: another one later means its service manager restarted it (a crash loop). */
  pid?: number;
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
  if (dead.length > 0)
    return { wait: false, reason: `${dead.map((d) => d.name).join(', ')}: the ${what} process is not running (it exited while starting; its log is in ${dead.map((d) => `${d.name}:${logDir(d.name)}`).join(', ')})` };
  if (elapsedMs < maxMs)
    return { wait: true, slow: `${notReady.map((n) => n.name).join(', ')}: ${what} still starting after ${Math.round(elapsedMs / 1000)} s, its JVM alive; waiting up to ${Math.round(maxMs / 1000)} s` };
  return { wait: false, reason: `${notReady.map((n) => n.name).join(', ')}: ${what} alive but still not serving after ${Math.round(maxMs / 1000)} s` };
}

/** Whether each host's process runs, one batched probe per host, in parallel. */
export async function processesAlive(hosts: readonly LiveHost[], probe: (l: LiveHost) => Probe<ProcessFact>): Promise<NotReady[]> {
  return Promise.all(
    hosts.map(async (l) => {
      try {
        const p = probe(l);
        const f = (await gatherFacts(l.conn, [p])).get(p);
        return f.running ? { name: l.host.name, alive: true, pid: f.pid } : { name: l.host.name, alive: false };
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
