/**
 * How a role's roll (restart, stop) treats its health gate: deploy's handlers defer and say
 * "deploy again"; `zkk restart|stop` refuse unless --force, which overrides each refusal with
 * a warning. One roll, two callers: the gate is a value passed in, not a second roll.
 */
import type { Day2Options, Day2Reporter, LiveHost } from './role.js';

export interface RollGate {
  force?: boolean;
  warn?(message: string): void;
  /** Called when a host is done (back and healthy). */
  done?(host: string, detail: string): void;
  /** The word of a refusal ("deferred" for deploy, "refused" on demand). */
  verdict: 'deferred' | 'refused';
  /** The end of a refusal: what the user does next. */
  next: string;
}

export const DEPLOY_GATE: RollGate = {
  verdict: 'deferred',
  next: 'deploy again once the cluster is healthy: the pending restart is detected from the config file times',
};

export function day2Gate(report: Day2Reporter, opts: Day2Options): RollGate {
  return {
    force: opts.force,
    warn: (m) => report.warn(m),
    done: (h, d) => report.done(h, 'changed', d),
    verdict: 'refused',
    next: 'bring the cluster back to health first, or pass --force to override the gate',
  };
}

/**
 * A gate that failed: with force, a warning and go on; else the error that stops the roll.
 * `what` is e.g. "restart of zk2, zk3", `why` the failed condition.
 */
export function gateFailed(gate: RollGate, what: string, why: string): void {
  if (gate.force) {
    gate.warn?.(`--force: ${what} although ${why}`);
    return;
  }
  throw new Error(`${what} ${gate.verdict}: ${why}. ${gate.next[0]!.toUpperCase()}${gate.next.slice(1)}`);
}

/**
 * zkk restart and start, the same for every service role: restart rolls the running targets
 * (the role's roll, gated) and starts the stopped ones; start starts the stopped ones and
 * reports the others as already running (then `settle`, e.g. wait for the quorum).
 */
export async function restartOrStart(
  action: 'restart' | 'start',
  targets: LiveHost[],
  running: (l: LiveHost) => boolean,
  report: Day2Reporter,
  steps: { roll: (hosts: LiveHost[]) => Promise<void>; start: (hosts: LiveHost[]) => Promise<void>; settle?: () => Promise<void> },
): Promise<void> {
  if (action === 'restart') await steps.roll(targets.filter(running));
  else for (const l of targets.filter(running)) report.done(l.host.name, 'ok', 'already running');
  const stopped = targets.filter((l) => !running(l));
  if (stopped.length > 0) await steps.start(stopped);
  else if (action === 'start') await steps.settle?.();
}
