/**
 * An operation compares a fact with the desired state and yields either nothing ("ok",
 * with the reason) or a Change: a summary, an optional diff and the function that makes
 * it so. "Changed" means exactly: the operation yielded a change. Plan prints changes;
 * deploy applies them.
 */
import type { Connector } from '../transport/connector.js';

export interface Change {
  summary: string;
  diff?: string;
  apply(conn: Connector): Promise<void>;
}

export type Outcome = { changed: false; reason: string } | { changed: true; change: Change };

export const ok = (reason: string): Outcome => ({ changed: false, reason });
export const change = (summary: string, apply: (conn: Connector) => Promise<void>, diff?: string): Outcome => ({
  changed: true,
  change: { summary, apply, diff },
});

/** One step of a role on one host, with a stable id (e.g. zookeeper.render-zoo-cfg). */
export interface Step {
  id: string;
  title: string;
  outcome: Outcome;
  /** Handlers to notify when this step changes something (e.g. zookeeper.restart). */
  notify?: string[];
}
