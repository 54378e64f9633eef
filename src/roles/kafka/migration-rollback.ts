/**
 * The broker side of `zkk migrate --rollback`'s last step, run in the roll one broker at a time:
 * stop the broker, put each log dir's meta.properties back to version 0 (a KRaft broker wrote
 * version 1 with node.id; a ZooKeeper-mode broker without the migration accepts version 0 only),
 * remove the broker's replica of the KRaft metadata log (__cluster_metadata-0: no controller
 * quorum serves it any more, and a later migration starts a new one); the roll then waits for the
 * old process's /brokers/ids/<id> to go and starts it. Before the roll, each broker must have
 * heard from the new ZooKeeper-mode controller (knowsControllerCommand).
 */
import type { ExecAction } from '../../ops/operation.js';
import { exec } from '../../ops/operation.js';
import { serviceCommand, type ServiceManager } from '../../ops/service.js';
import { quote, script } from '../../shell/command.js';
import type { ResolvedKafka } from '../../inventory/resolve.js';

export const METADATA_LOG = '__cluster_metadata-0';

/** Stop the broker and put its storage back to what a plain ZooKeeper-mode broker reads. */
export function stopForZookeeperMode(k: ResolvedKafka, mgr: ServiceManager): ExecAction {
  const lines = ['set -e', serviceCommand(mgr, k.serviceName, 'stop').text];
  for (const d of k.logDirs) {
    const meta = quote(`${d}/meta.properties`);
    lines.push(
      `if [ -f ${meta} ] && grep -q '^version=1$' ${meta}; then`,
      `  sed -i -e 's/^version=1$/version=0/' -e 's/^node\\.id=/broker.id=/' ${meta}`,
      `  chown ${quote(`${k.user}:${k.group}`)} ${meta}`,
      'fi',
      `rm -rf -- ${quote(`${d}/${METADATA_LOG}`)}`,
    );
  }
  return exec(script(lines.join('\n'), `stop ${k.serviceName}; meta.properties → version 0, ${METADATA_LOG} removed`), { timeoutMs: 300_000 });
}

/**
 * A broker's state-change.log has applied the new ZooKeeper-mode controller's UpdateMetadata:
 * its controlled shutdown then goes to that controller (with the KRaft controller still cached,
 * Kafka waits up to 5 minutes for the gone quorum to approve it).
 */
export function knowsControllerCommand(k: ResolvedKafka, c: { brokerId: number; epoch: number }): ExecAction {
  return exec(script(`grep -c -F -- ${quote(`UpdateMetadata request sent by controller ${c.brokerId} epoch ${c.epoch} `)} ${quote(`${k.logDir}/state-change.log`)} || true`, `grep state-change.log for controller ${c.brokerId}'s UpdateMetadata`), { timeoutMs: 20_000 });
}
