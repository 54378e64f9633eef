/**
 * Moving partitions between brokers over the Kafka protocol, for `zkk rebalance` and
 * `zkk decommission`: read the assignment and the reassignments in progress, plan
 * (reassignment-plan.ts), then run the steps in this order —
 *   1. wait for reassignments already in progress (a run killed mid-way: resumed from
 *      ListPartitionReassignments),
 *   2. set the replication throttle (--throttle) on the brokers and the moved topics,
 *   3. submit the moves (AlterPartitionReassignments), follow them until none is left,
 *   4. wait until every moved partition has its full ISR,
 *   5. remove the throttles (always, also those a killed run left behind),
 *   6. elect the preferred leaders (ElectLeaders) of the partitions whose first replica is
 *      not their leader.
 * Requests go to the active controller (ZooKeeper mode accepts reassignments and elections
 * only there; KRaft brokers forward them, so any broker will do).
 */
import { alterPartitionReassignments, type PartitionTarget } from './wire/alter-partition-reassignments.js';
import { connectAny, type KafkaWireConnection } from './wire/connection.js';
import { electPreferredLeaders } from './wire/elect-leaders.js';
import { incrementalAlterConfigs, type ConfigChange } from './wire/incremental-alter-configs.js';
import { listPartitionReassignments, type OngoingReassignment } from './wire/list-partition-reassignments.js';
import { fetchMetadata, type ClusterMetadata } from './wire/metadata.js';
import { errorName } from './wire/wire-error.js';
import { planReassignment, type PartitionAssignment, type ReassignmentPlan } from './reassignment-plan.js';

export const THROTTLE_RATE_KEYS = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'] as const;
export const THROTTLE_REPLICA_KEYS = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] as const;

export interface Endpoint {
  host: string;
  port: number;
}

export interface MoveScope {
  /** only these topics (default: every topic, internal ones included) */
  topics?: string[];
  /** brokers that must end with no replica (decommission) */
  exclude?: number[];
}

export interface ClusterAssignment {
  metadata: ClusterMetadata;
  /** registered brokers that keep (or receive) replicas */
  brokers: number[];
  assignment: PartitionAssignment[];
  ongoing: OngoingReassignment[];
  plan: ReassignmentPlan;
}

/** A connection to the active controller (ZooKeeper mode), else to whichever broker answered. */
export async function controllerConnection(bootstrap: Endpoint[]): Promise<{ conn: KafkaWireConnection; metadata: ClusterMetadata }> {
  const first = await connectAny(bootstrap, { requestTimeoutMs: 35_000, clientId: 'zkk-rebalance' });
  const metadata = await fetchMetadata(first);
  const controller = metadata.brokers.find((b) => b.nodeId === metadata.controllerId);
  if (!controller || first.endpoint === `${controller.host}:${controller.port}`) return { conn: first, metadata };
  try {
    const conn = await connectAny([{ host: controller.host, port: controller.port }], { requestTimeoutMs: 35_000, clientId: 'zkk-rebalance' });
    first.close();
    return { conn, metadata };
  } catch {
    return { conn: first, metadata };
  }
}

export function assignmentOf(md: ClusterMetadata, scope: MoveScope): PartitionAssignment[] {
  const wanted = scope.topics ? new Set(scope.topics) : undefined;
  return md.topics
    .filter((t) => t.errorCode === 0 && (!wanted || wanted.has(t.name)))
    .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition, replicas: p.replicas })));
}

/** Read the cluster and plan (nothing changes). */
export async function readAndPlan(conn: KafkaWireConnection, scope: MoveScope): Promise<ClusterAssignment> {
  const metadata = await fetchMetadata(conn);
  const excluded = new Set(scope.exclude ?? []);
  const brokers = metadata.brokers.map((b) => b.nodeId).filter((id) => !excluded.has(id)).sort((a, b) => a - b);
  if (scope.topics) {
    const known = new Set(metadata.topics.map((t) => t.name));
    const unknown = scope.topics.filter((t) => !known.has(t));
    if (unknown.length) throw new RebalanceError(`no such topic: ${unknown.join(', ')}`, 'usage');
  }
  const assignment = assignmentOf(metadata, scope);
  const ongoing = await listPartitionReassignments(conn);
  return { metadata, brokers, assignment, ongoing, plan: planReassignment(assignment, brokers) };
}

export class RebalanceError extends Error {
  constructor(
    message: string,
    readonly kind: 'usage' | 'cluster',
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The steps that will run, in order, for the plan and the dry-run output. */
export function stepsOf(a: ClusterAssignment, throttleBytes: number | undefined): string[] {
  const steps: string[] = [];
  if (a.ongoing.length) steps.push(`wait for the ${a.ongoing.length} reassignment(s) already in progress (then plan again)`);
  const moved = new Set(a.plan.changes.filter((c) => c.adding.length).map((c) => c.topic));
  if (throttleBytes && moved.size) steps.push(`throttle replication to ${(throttleBytes / 1048576).toFixed(1)} MB/s on brokers ${a.brokers.join(',')} for ${moved.size} topic(s)`);
  if (a.plan.changes.length) {
    steps.push(`reassign ${a.plan.changes.length} partition(s): ${a.plan.replicaMoves} replica copies, ${a.plan.leaderChanges} preferred-leader change(s)`);
    steps.push('wait until no reassignment is left and every moved partition has its full ISR');
  }
  steps.push('remove replication throttles (brokers and topics in scope)');
  steps.push('elect preferred leaders where the first replica is not the leader');
  return steps;
}

export interface ApplyOptions {
  scope: MoveScope;
  /** bytes per second for leader and follower replication throttles; undefined: no throttle */
  throttleBytes?: number;
  say: (line: string) => void;
  pollMs?: number;
  /** give up waiting for full ISR after this long (reassignments themselves are waited for as long as they run) */
  isrTimeoutMs?: number;
}

export interface ApplyResult {
  plan: ReassignmentPlan;
  resumed: number;
  moved: number;
  elected: number;
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (t: string, p: number) => `${t}/${p}`;

function throttleChanges(brokers: number[], topics: string[], bytes: number | undefined): ConfigChange[] {
  const rate = bytes === undefined ? null : String(Math.round(bytes));
  const replicas = bytes === undefined ? null : '*';
  return [
    ...brokers.map((b) => ({ type: 'broker' as const, name: String(b), configs: Object.fromEntries(THROTTLE_RATE_KEYS.map((k) => [k, rate])) })),
    ...topics.map((t) => ({ type: 'topic' as const, name: t, configs: Object.fromEntries(THROTTLE_REPLICA_KEYS.map((k) => [k, replicas])) })),
  ];
}

/**
 * Topic configs through `conn`; each broker's own configs sent to that broker (what the Java
 * admin client does: in ZooKeeper mode a broker validates its dynamic configs itself).
 */
async function applyConfigs(conn: KafkaWireConnection, md: ClusterMetadata, changes: ConfigChange[]): Promise<void> {
  await incrementalAlterConfigs(conn, changes.filter((c) => c.type === 'topic'));
  await Promise.all(
    changes
      .filter((c) => c.type === 'broker')
      .map(async (c) => {
        const b = md.brokers.find((x) => String(x.nodeId) === c.name);
        if (!b) return;
        const own = await connectAny([{ host: b.host, port: b.port }], { clientId: 'zkk-rebalance' });
        try {
          await incrementalAlterConfigs(own, [c]);
        } finally {
          own.close();
        }
      }),
  );
}

/** Follow the reassignments in progress until none of them is left, saying how many remain when that changes. */
async function waitForReassignments(conn: KafkaWireConnection, say: (l: string) => void, pollMs: number, t0: number): Promise<void> {
  let last = -1;
  for (;;) {
    const ongoing = await listPartitionReassignments(conn);
    if (ongoing.length === 0) return;
    if (ongoing.length !== last) {
      const copying = ongoing.reduce((s, o) => s + o.adding.length, 0);
      say(`  ${ongoing.length} partition(s) still moving (${copying} replica copies in progress) · ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      last = ongoing.length;
    }
    await sleep(pollMs);
  }
}

async function waitForFullIsr(conn: KafkaWireConnection, partitions: Set<string>, timeoutMs: number, pollMs: number): Promise<void> {
  const by = Date.now() + timeoutMs;
  for (;;) {
    const md = await fetchMetadata(conn);
    const short = md.topics.flatMap((t) => t.partitions.filter((p) => partitions.has(key(t.name, p.partition)) && p.isr.length < p.replicas.length).map((p) => `${t.name}-${p.partition}`));
    if (short.length === 0) return;
    if (Date.now() > by) throw new RebalanceError(`${short.length} moved partition(s) without their full ISR after ${timeoutMs / 1000} s: ${short.slice(0, 10).join(', ')}`, 'cluster', 'zkk status shows the brokers and partitions; run the command again to finish');
    await sleep(pollMs);
  }
}

/** Run the steps (see the top of this file). Idempotent: a second run finds nothing to move. */
export async function applyRebalance(conn: KafkaWireConnection, opts: ApplyOptions): Promise<ApplyResult> {
  const t0 = Date.now();
  const pollMs = opts.pollMs ?? 1000;
  const say = opts.say;
  let a = await readAndPlan(conn, opts.scope);
  const resumed = a.ongoing.length;
  if (resumed) {
    say(`${resumed} reassignment(s) already in progress (an earlier run?): waiting for them first`);
    if (opts.throttleBytes) await applyConfigs(conn, a.metadata, throttleChanges(a.brokers, [...new Set(a.ongoing.map((o) => o.topic))], opts.throttleBytes));
    await waitForReassignments(conn, say, pollMs, t0);
    await waitForFullIsr(conn, new Set(a.ongoing.map((o) => key(o.topic, o.partition))), opts.isrTimeoutMs ?? 300_000, pollMs);
    a = await readAndPlan(conn, opts.scope);
  }
  if (a.plan.impossible.length)
    throw new RebalanceError(
      `${a.plan.impossible.length} partition(s) have more replicas than the ${a.brokers.length} broker(s) that would hold them: ${a.plan.impossible.slice(0, 5).map((p) => `${p.topic}-${p.partition} (RF ${p.replicationFactor})`).join(', ')}`,
      'usage',
      'add brokers first, or lower those topics\' replication factor',
    );
  const changes = a.plan.changes;
  const movedTopics = [...new Set(changes.filter((c) => c.adding.length).map((c) => c.topic))];
  const scopeTopics = [...new Set(a.assignment.map((p) => p.topic))];
  if (changes.length) {
    if (opts.throttleBytes && movedTopics.length) {
      await applyConfigs(conn, a.metadata, throttleChanges(a.brokers, movedTopics, opts.throttleBytes));
      say(`throttle: ${(opts.throttleBytes / 1048576).toFixed(1)} MB/s on brokers ${a.brokers.join(',')}, topics ${movedTopics.join(', ')}`);
    }
    const targets: PartitionTarget[] = changes.map((c) => ({ topic: c.topic, partition: c.partition, replicas: c.to }));
    const failed = (await alterPartitionReassignments(conn, targets)).filter((r) => r.errorCode !== 0);
    if (failed.length)
      throw new RebalanceError(
        `the cluster refused ${failed.length} move(s): ${failed.slice(0, 5).map((f) => `${f.topic}-${f.partition}: ${errorName(f.errorCode)}${f.errorMessage ? ` (${f.errorMessage})` : ''}`).join('; ')}`,
        'cluster',
        'run the command again: it resumes the moves that were accepted',
      );
    say(`submitted ${changes.length} partition move(s) (${a.plan.replicaMoves} replica copies)`);
    await waitForReassignments(conn, say, pollMs, t0);
    await waitForFullIsr(conn, new Set(changes.map((c) => key(c.topic, c.partition))), opts.isrTimeoutMs ?? 300_000, pollMs);
    say(`all moves done, ISR full · ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // also clears what a killed run left behind; deleting an absent key is a no-op
  await applyConfigs(conn, a.metadata, throttleChanges(a.metadata.brokers.map((b) => b.nodeId), scopeTopics, undefined));
  const md = await fetchMetadata(conn);
  const wanted = new Set(a.assignment.map((p) => key(p.topic, p.partition)));
  const toElect = md.topics.flatMap((t) =>
    t.partitions.filter((p) => wanted.has(key(t.name, p.partition)) && p.replicas.length > 0 && p.leader !== p.replicas[0] && p.isr.includes(p.replicas[0]!)).map((p) => ({ topic: t.name, partition: p.partition })),
  );
  const notElected = await electPreferredLeaders(conn, toElect);
  if (notElected.length) say(`preferred leader not elected for ${notElected.length} partition(s): ${notElected.slice(0, 5).map((p) => `${p.topic}-${p.partition} ${errorName(p.errorCode)}`).join(', ')}`);
  return { plan: a.plan, resumed, moved: changes.length, elected: toElect.length - notElected.length, ms: Date.now() - t0 };
}
