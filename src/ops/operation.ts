/**
 * An operation compares a fact with the desired state and returns a value, never a
 * closure: "ok" (nothing to do, and why), a change (a summary, an optional diff and the
 * actions that make it so: commands, uploads, a restart for the role's handler), or
 * "blocked" (a state zkk refuses to change, known at plan time). "Changed" means exactly
 * "yielded actions to run". Plan prints the actions; deploy hands them to the engine,
 * which runs them through the host's connection. Operations never hold a connection.
 */
import type { Command } from '../shell/command.js';

/** What a command returned, as an action's judge sees it (pure). */
export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Run one command on the host (as root: through sudo on non-root logins). */
export interface ExecAction {
  kind: 'exec';
  command: Command;
  /** Sent on the command's stdin (a file body). Never printed: see stdinLabel. */
  stdin?: string;
  /** What stdin holds, for listings, e.g. "new content of /etc/zookeeper/zoo.cfg (812 bytes)". */
  stdinLabel?: string;
  timeoutMs?: number;
  /** Shown when the command fails. */
  hint?: string;
  /** For a command that exits 0: a message means it failed anyway (e.g. a version too old). */
  judge?: (out: CommandResult) => string | undefined;
}

/**
 * Place a control-node file on the host, verified: the engine uploads it into a fresh
 * mktemp -d, checks its sha512 there as root, and only then renames it to remotePath.
 */
export interface UploadAction {
  kind: 'upload';
  localPath: string;
  remotePath: string;
  sha512: string;
}

/**
 * A restart this step asks for. It is not run inline: the role's handler (rolling,
 * health-gated) runs `command` after every host's steps ran. Counts as changed.
 */
export interface RestartAction {
  kind: 'restart';
  handler: string;
  command: Command;
}

export type Action = ExecAction | UploadAction | RestartAction;

export type Outcome =
  | { kind: 'ok'; reason: string }
  | { kind: 'change'; summary: string; actions: Action[]; diff?: string }
  | { kind: 'blocked'; reason: string; hint?: string };

export type Change = Extract<Outcome, { kind: 'change' }>;

export const ok = (reason: string): Outcome => ({ kind: 'ok', reason });

export function change(summary: string, actions: Action[], diff?: string): Outcome {
  if (actions.length === 0) throw new Error(`change "${summary}" yields nothing to run`);
  return diff === undefined ? { kind: 'change', summary, actions } : { kind: 'change', summary, actions, diff };
}

/** zkk will not do this: a failure known before anything runs, shown by plan too. */
export const blocked = (reason: string, hint?: string): Outcome => (hint === undefined ? { kind: 'blocked', reason } : { kind: 'blocked', reason, hint });

export function exec(command: Command, opts: Omit<ExecAction, 'kind' | 'command'> = {}): ExecAction {
  return { kind: 'exec', command, ...opts };
}

/** A change followed by more actions (e.g. a unit file and then daemon-reload); ok and blocked pass through. */
export function followedBy(o: Outcome, summarySuffix: string, ...more: Action[]): Outcome {
  if (o.kind !== 'change') return o;
  return { ...o, summary: `${o.summary}${summarySuffix}`, actions: [...o.actions, ...more] };
}

/** True when the outcome yields something to run. */
export const isChange = (o: Outcome): o is Change => o.kind === 'change';

/** One step of a role on one host, with a stable id (e.g. zookeeper.render-zoo-cfg). */
export interface Step {
  id: string;
  title: string;
  outcome: Outcome;
  /** Handlers to notify when this step changes something (e.g. zookeeper.restart). */
  notify?: string[];
  /**
   * Depends on no earlier role (an account, a directory, a release unpacked into its own
   * versioned directory): the engine may run the role's leading early steps while the roles
   * before it still apply and converge.
   */
  early?: boolean;
}
