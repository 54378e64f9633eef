/**
 * Runs a step's actions on one host, in order, stopping at the first failure (the
 * RemoteCommandError of the transport, or a judge's verdict). Restart actions are not
 * run here: they are returned, for the role's rolling handler to run after every host's
 * steps.
 */
import { ZkkError } from '../errors/zkk-error.js';
import type { Action, RestartAction } from '../ops/operation.js';
import type { Connector } from '../transport/connector.js';
import { uploadVerified } from './upload-verified.js';

export async function executeActions(c: Connector, actions: readonly Action[]): Promise<RestartAction[]> {
  const restarts: RestartAction[] = [];
  for (const a of actions) {
    if (a.kind === 'restart') restarts.push(a);
    else if (a.kind === 'upload') await uploadVerified(c, a);
    else {
      // a judged command is judged on its output, not on its exit code alone
      const res = await c.exec(a.command, { stdin: a.stdin, timeoutMs: a.timeoutMs, hint: a.hint, check: a.judge === undefined });
      const verdict = a.judge?.(res);
      if (verdict !== undefined) throw new ZkkError('REMOTE_CHECK', verdict, { host: c.host, command: a.command.display, hint: a.hint });
    }
  }
  return restarts;
}
