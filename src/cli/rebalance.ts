/**
 * `zkk rebalance inventory.yml [--dry-run] [--throttle MB/s] [--topic T…]` — spread the
 * replicas and preferred leaders of every topic (or the given ones) evenly over the
 * brokers, through the partition-reassignment API; `zkk decommission` shares the planning,
 * the printing and the apply loop (src/roles/kafka/rebalance.ts).
 */
import { routeControlNet } from '../engine/connect-host.js';
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/resolve.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { bootstrapServers, brokerHosts } from '../roles/kafka/config.js';
import { applyRebalance, controllerConnection, readAndPlan, RebalanceError, stepsOf, type ClusterAssignment, type Endpoint, type MoveScope } from '../roles/kafka/rebalance.js';
import type { KafkaWireConnection } from '../roles/kafka/wire/connection.js';
import { table } from '../ui/table.js';

export interface RebalanceFlags {
  dryRun?: boolean;
  throttle?: string;
  topic?: string[];
  bootstrapServer?: string;
}

export function throttleBytes(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ZkkError('USAGE', `--throttle takes MB/s (a positive number), got "${v}"`, { exitCode: ExitCode.usage });
  return Math.round(n * 1048576);
}

export function endpointsOf(inv: Inventory, file: string, flag?: string): Endpoint[] {
  const list = flag ? flag.split(',') : bootstrapServers(inv);
  if (list.length === 0) throw new ZkkError('USAGE', `${file} has no kafka brokers`, { exitCode: ExitCode.usage, hint: 'give some hosts the kafka role, or pass --bootstrap-server' });
  return list.map((s) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  });
}

export async function connectCluster(endpoints: Endpoint[]): Promise<KafkaWireConnection> {
  try {
    return (await controllerConnection(endpoints)).conn;
  } catch (e) {
    throw new ZkkError('KAFKA', `no broker answered: ${(e as Error).message}`, { exitCode: ExitCode.down, hint: `brokers tried: ${endpoints.map((x) => `${x.host}:${x.port}`).join(', ')}; zkk status shows why` });
  }
}

/**
 * The cluster's registered brokers against the inventory's, matched by the endpoint each
 * registered from (ids live on the hosts): a registered broker that no host of the
 * inventory has (its host line was deleted while it still runs) is refused, as is an
 * inventory broker that is not registered (down: it could not receive replicas).
 */
export function checkBrokersMatch(inv: Inventory, file: string, a: ClusterAssignment, allowMissing: string[] = []): void {
  const at = (host: string, port: number) => `${host}:${port}`;
  const mine = new Map(brokerHosts(inv).map((h) => [at(h.kafka.advertisedHost, h.kafka.port), h.name]));
  const registered = new Map(a.metadata.brokers.map((b) => [at(b.host, b.port), b.nodeId]));
  const stray = [...registered].filter(([e]) => !mine.has(e));
  if (stray.length)
    throw new ZkkError('BROKER_NOT_IN_INVENTORY', `broker(s) ${stray.map(([e, id]) => `${id} (${e})`).join(', ')} are registered in the cluster but no host in ${file} has that address`, {
      exitCode: ExitCode.usage,
      hint: `put their host line(s) back, then move their data away with zkk decommission ${file} HOST before deleting the line`,
    });
  const down = [...mine].filter(([e, name]) => !registered.has(e) && !allowMissing.includes(name));
  if (down.length)
    throw new ZkkError('BROKER_DOWN', `broker host(s) ${down.map(([, h]) => h).join(', ')} of the inventory are not registered in the cluster (not running?)`, {
      exitCode: ExitCode.hostFailed,
      hint: `start them first (zkk deploy ${file}; zkk status ${file} shows why)`,
    });
}

export function printPlan(a: ClusterAssignment, steps: string[], say: (s: string) => void): void {
  const p = a.plan;
  const topics = new Set(a.assignment.map((x) => x.topic)).size;
  say(`${topics} topic(s), ${a.assignment.length} partition(s) over brokers ${a.brokers.join(',')}: ${p.changes.length} partition(s) to change, ${p.replicaMoves} replica copies, ${p.leaderChanges} preferred-leader change(s)`);
  if (p.changes.length) {
    const rows = p.changes.map((c) => [c.topic, c.partition, c.from.join(','), c.to.join(','), c.adding.length ? `${c.removing.join(',')} → ${c.adding.join(',')}` : 'leader only']);
    say(table(['topic', 'partition', 'replicas now', 'replicas after', 'moves'], rows));
  }
  say(table(['broker', 'replicas', 'preferred leader of'], p.perBroker.map((b) => [b.broker, `${b.replicasBefore} → ${b.replicasAfter}`, `${b.leadersBefore} → ${b.leadersAfter}`])));
  say('sizes: not read (a partition\'s copy is as large as its log on the leader)');
  say('steps, in order:');
  steps.forEach((s, i) => say(`  ${i + 1}. ${s}`));
}

export function asZkkError(e: unknown): unknown {
  if (e instanceof RebalanceError) return new ZkkError('REBALANCE', e.message, { exitCode: e.kind === 'usage' ? ExitCode.usage : ExitCode.hostFailed, hint: e.hint });
  if (e instanceof ZkkError) return e;
  return new ZkkError('KAFKA', (e as Error).message, { hint: 'run the command again: it resumes from the reassignments in progress' });
}

export async function rebalanceCommand(file: string, flags: RebalanceFlags): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  const bytes = throttleBytes(flags.throttle);
  const scope: MoveScope = { topics: flags.topic?.length ? flags.topic : undefined };
  routeControlNet(inv.hosts); // brokers behind a bastion: through it
  const conn = await connectCluster(endpointsOf(inv, file, flags.bootstrapServer));
  const say = (s: string) => process.stdout.write(`${s}\n`);
  try {
    const a = await readAndPlan(conn, scope);
    checkBrokersMatch(inv, file, a);
    printPlan(a, stepsOf(a, bytes), say);
    if (flags.dryRun) return;
    const r = await applyRebalance(conn, { scope, throttleBytes: bytes, say });
    say(`rebalanced: ${r.moved} partition(s) changed${r.resumed ? `, ${r.resumed} resumed` : ''}, ${r.elected} preferred leader(s) elected, in ${(r.ms / 1000).toFixed(1)} s`);
  } catch (e) {
    throw asZkkError(e);
  } finally {
    conn.close();
  }
}
