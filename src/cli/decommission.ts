/**
 * `zkk decommission inventory.yml HOST [--dry-run] [--throttle MB/s]` — retire one broker:
 * move all its replicas to the other brokers (waiting for the moves and full ISR), stop it
 * and keep it from starting at boot, unregister it (KRaft: UnregisterBroker), then say to
 * delete its host line. On a dedicated KRaft controller (dynamic quorum): remove it from the
 * quorum (RemoveRaftVoter, gated: the other caught-up voters stay a majority), wait until the
 * quorum no longer lists it, stop it. Resumable: each step reads the cluster first.
 */
import { connectHost, routeControlNet } from '../engine/connect-host.js';
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { brokerHosts, controllerHosts, type KafkaHost } from '../roles/kafka/config.js';
import { loadClusterId } from '../roles/kafka/cluster-id.js';
import { removeController, RemovalRefused } from '../roles/kafka/controller-membership.js';
import type { Inventory } from '../inventory/resolve.js';
import { applyRebalance, readAndPlan, stepsOf } from '../roles/kafka/rebalance.js';
import { retireBrokerCommand } from '../roles/kafka/retire-broker.js';
import { fetchMetadata } from '../roles/kafka/wire/metadata.js';
import { unregisterBroker } from '../roles/kafka/wire/unregister-broker.js';
import { connectAny } from '../roles/kafka/wire/connection.js';
import { asZkkError, checkBrokersMatch, connectCluster, endpointsOf, printPlan, throttleBytes, type RebalanceFlags } from './rebalance.js';

export async function decommissionCommand(file: string, hostName: string, flags: RebalanceFlags): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const controller = controllerHosts(inv).find((h) => h.name === hostName && !h.kafka.processRoles.includes('broker'));
  if (controller) return decommissionController(file, inv, controller, flags);
  const host = brokerHosts(inv).find((h) => h.name === hostName);
  if (!host)
    throw new ZkkError('USAGE', `${hostName} is not a Kafka broker or controller host of ${file}`, { exitCode: ExitCode.usage, hint: `Kafka hosts: ${[...brokerHosts(inv), ...controllerHosts(inv)].map((h) => h.name).filter((n, i, a) => a.indexOf(n) === i).join(', ') || 'none'}` });
  const k = host.kafka;
  if (k.processRoles.includes('controller'))
    throw new ZkkError('USAGE', `${hostName} is a broker and a KRaft controller (combined): decommission retires a broker or a dedicated controller, not both at once`, {
      exitCode: ExitCode.usage,
      hint: 'give the cluster dedicated kafka-controller hosts (zkk deploy adds them to a dynamic quorum), decommission the combined node\'s controller role by hand (see README, "KRaft controllers"), or keep it',
    });
  const bytes = throttleBytes(flags.throttle);
  const others = brokerHosts(inv).filter((h) => h !== host);
  routeControlNet(inv.hosts); // brokers behind a bastion: through it
  // ask the brokers that stay (the retired one may be stopped already: a resumed run)
  const stays = endpointsOf(inv, file, flags.bootstrapServer).filter((e) => others.length === 0 || e.host !== k.advertisedHost || e.port !== k.port);
  const conn = await connectCluster(stays);
  const say = (s: string) => process.stdout.write(`${s}\n`);
  try {
    // its id as the cluster knows it (registered from its address), else (stopped: a resumed run) the inventory's
    const registered = (await fetchMetadata(conn)).brokers.find((b) => b.host === k.advertisedHost && b.port === k.port);
    const id = registered?.nodeId ?? k.nodeId;
    const a = await readAndPlan(conn, { exclude: [id] });
    checkBrokersMatch(inv, file, a, [hostName]);
    const steps = [
      ...stepsOf(a, bytes).map((s) => (s.startsWith('reassign') ? `${s} — every replica off broker ${id}` : s)),
      `stop kafka on ${hostName} and disable it at boot (data directories kept)`,
      ...(k.mode === 'kraft' ? [`unregister broker ${id} (UnregisterBroker)`] : []),
      `you delete the host line of ${hostName} from ${file}`,
    ];
    say(`decommission ${hostName} (broker ${id}${registered ? '' : ', not registered now'})`);
    printPlan(a, steps, say);
    if (flags.dryRun) return;
    const r = await applyRebalance(conn, { scope: { exclude: [id] }, throttleBytes: bytes, say });
    const left = (await fetchMetadata(conn)).topics.flatMap((t) => t.partitions.filter((p) => p.replicas.includes(id)).map((p) => `${t.name}-${p.partition}`));
    if (left.length)
      throw new ZkkError('DECOMMISSION', `broker ${id} still holds ${left.length} replica(s): ${left.slice(0, 10).join(', ')}`, { hint: `run zkk decommission ${file} ${hostName} again` });
    say(`broker ${id} holds no replica any more (${r.moved} partition(s) moved in ${(r.ms / 1000).toFixed(1)} s)`);

    const c = await connectHost(host);
    try {
      await c.exec(retireBrokerCommand(k), { timeoutMs: 240_000 });
    } finally {
      await c.close();
    }
    say(`kafka stopped on ${hostName} and disabled at boot`);
    if (k.mode === 'kraft') {
      // not over `conn`: KRaft's Metadata names any live broker as the controller, so it may lead
      // to the broker just stopped (seen in CI: "connection to …:9092 closed"); a broker that
      // stays forwards UnregisterBroker to the controller quorum
      const rest = await connectAny(stays, { requestTimeoutMs: 35_000, clientId: 'zkk-decommission' });
      try {
        say(`broker ${id}: ${await unregisterBroker(rest, id)}`);
      } finally {
        rest.close();
      }
    }
    say(`done: now delete the host line of ${hostName} from ${file} (its data directories ${k.logDirs.join(', ')} are kept on the host)`);
  } catch (e) {
    throw asZkkError(e);
  } finally {
    conn.close();
  }
}

/** A dedicated KRaft controller: out of the quorum first, then stopped (data kept), then the line is the user's to delete. */
async function decommissionController(file: string, inv: Inventory, host: KafkaHost, flags: RebalanceFlags): Promise<void> {
  const k = host.kafka;
  if (k.mode !== 'kraft' || k.quorum !== 'dynamic')
    throw new ZkkError('USAGE', `${host.name} is a controller of a static KRaft quorum (controller.quorum.voters): its voters cannot change while it runs`, {
      exitCode: ExitCode.usage,
      hint: 'zkk removes controllers from a dynamic quorum only (kafka.quorum: dynamic, chosen at the first deploy); see README, "KRaft controllers"',
    });
  routeControlNet(inv.hosts);
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const clusterId = await loadClusterId(inv, false).catch(() => undefined);
  try {
    const plan = await removeController(inv, host, clusterId, say, true);
    say(`decommission ${host.name} (KRaft controller${plan.nodeId !== undefined ? ` ${plan.nodeId}` : ''}; voters ${plan.voters.join(', ')}, leader ${plan.leaderId})`);
    const steps = [
      ...(plan.result === 'would remove'
        ? [
            `gate: a leader, no other voter change under way, the other caught-up voters a majority → RemoveRaftVoter ${plan.nodeId} (directory.id ${plan.directoryId})`,
            `wait until the quorum no longer lists controller ${plan.nodeId} as a voter`,
          ]
        : [`not a voter of the quorum (any more): nothing to remove`]),
      `stop kafka on ${host.name} and disable it at boot (data directories kept)`,
      `you delete the host line of ${host.name} from ${file}`,
    ];
    steps.forEach((s, i) => say(`  ${i + 1}. ${s}`));
    if (flags.dryRun) return;
    const r = await removeController(inv, host, clusterId, say);
    say(r.result === 'removed' ? `controller ${r.nodeId} removed from the quorum in ${(r.ms / 1000).toFixed(1)} s: voters ${r.voters.join(', ')}, leader ${r.leaderId}` : `${host.name} is not a voter: voters ${r.voters.join(', ')}`);
    const c = await connectHost(host);
    try {
      await c.exec(retireBrokerCommand(k), { timeoutMs: 240_000 });
    } finally {
      await c.close();
    }
    say(`kafka stopped on ${host.name} and disabled at boot`);
    say(`done: now delete the host line of ${host.name} from ${file} (its data directories ${k.logDirs.join(', ')} are kept on the host)`);
  } catch (e) {
    if (e instanceof RemovalRefused) throw new ZkkError('CONTROLLER_REMOVAL_REFUSED', `${host.name}: ${e.message}`, { exitCode: ExitCode.hostFailed, hint: e.hint });
    if (e instanceof ZkkError) throw e;
    throw new ZkkError('KAFKA', `${host.name}: ${(e as Error).message}`, { hint: 'run the command again: it resumes from what the quorum shows' });
  }
}
