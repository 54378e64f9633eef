/**
 * Was a file written after a running process started? (the stale-config check)
 *
 * The process's own start time is not precise enough: /proc/stat's btime is whole
 * seconds (rounded down) and the start tick count is divided down to seconds, so the
 * computed start can be up to ~2 s early, and a process started within a second of
 * writing its config looked older than it — a spurious restart on a no-op deploy.
 *
 * Instead the start's own mark is used: the pid file. Every way zkk starts a service
 * writes it as part of the start — zkServer.sh right after forking the JVM (init.d, and
 * systemd's Type=forking unit), Kafka's init.d script from the very process that then
 * execs the JVM, Kafka's systemd unit in ExecStartPost — and its mtime comes from the
 * same kernel clock, at the same (sub-second) precision, as the config files' mtimes.
 * A file written before the start is never newer than the pid file; a file written
 * after it is (ties — the same clock tick — count as not newer: no restart).
 *
 * The mark is only trusted when it fits the process (written no earlier than the start
 * tick allows, and within START_MARK_WINDOW_SEC after it); otherwise (a pid file written
 * by hand, or a start that wrote none) the coarse start time is used with its error
 * margin: only a file written at least 2 s after that counts, so a no-op never restarts.
 */
import type { ProcessFact } from './probes.js';

/** btime and the tick division both round down: the true start is at most this much later. */
const START_TIME_ERROR_SEC = 2;
/** A pid file written this long after the process started was not written by its start. */
export const START_MARK_WINDOW_SEC = 120;

/** The pid file mtime, when it is the start's own mark. */
export function startMark(proc: ProcessFact): number | undefined {
  const { startedAt, pidFileMtime } = proc;
  if (startedAt === undefined || pidFileMtime === undefined) return undefined;
  // startedAt ≤ true start < startedAt + 2; the pid file is written at or after the fork.
  if (pidFileMtime < startedAt - 1 || pidFileMtime > startedAt + START_TIME_ERROR_SEC + START_MARK_WINDOW_SEC) return undefined;
  return pidFileMtime;
}

/** Whether a file with this mtime (seconds, sub-second where known) changed after the running process started. */
export function writtenAfterStart(proc: ProcessFact, mtime: number): boolean {
  if (!proc.running || proc.startedAt === undefined) return false;
  const mark = startMark(proc);
  if (mark !== undefined) return mtime > mark;
  return mtime >= proc.startedAt + START_TIME_ERROR_SEC;
}
