/**
 * Issue 12 part 4, KRaft controllers on a dynamic quorum (KIP-853): 3 dedicated controllers +
 * 3 brokers (kafka.quorum: dynamic), an acks=all producer (RF 3, min ISR 2) writing throughout.
 *   - a 4th controller host added to the inventory: `zkk plan` shows its format as a joining
 *     controller and the join (gate → caught up as an observer → AddRaftVoter → a voter);
 *     `zkk deploy` changes that host only (no other node restarted) and the quorum lists it as a
 *     voter — by zkk's wire client and, independently, by kafka-metadata-quorum.sh (--status and
 *     --replication, run on a broker host).
 *   - a voter's host line dropped without decommission: refused (exit 2), the way out named.
 *   - `zkk decommission` of a founding controller: dry run, then RemoveRaftVoter, gone from the
 *     quorum (both checks again), its JVM stopped, its data kept; the inventory without its line
 *     deploys with 0 changed.
 *   - every acknowledged message consumed afterwards (0 lost).
 * Prints its duration and the add / remove durations.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostsUp, hostSsh, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startProducer } from '../e2e/traffic.js';
import { printLogsOnFailure } from '../e2e/failure-logs.js';
import { describeQuorumViaControllers, type QuorumDescription } from '../../src/roles/kafka/wire/describe-quorum.js';

const v = fixtureVersions();
const FOUNDERS = ['c1', 'c2', 'c3'];
const NEW = 'c4';
const BROKERS = ['b1', 'b2', 'b3'];
const HOSTS = [...FOUNDERS, NEW, ...BROKERS];
let info: TargetInfo;
let dir: string;
const host = (name: string) => info.hosts.find((h) => h.name === name)!;
let t0 = Date.now();

const inventory = (controllers: string[]) =>
  writeLabInventory(
    info,
    [...controllers, ...BROKERS].map((name) => ({ name, roles: [controllers.includes(name) ? 'kafka-controller' : 'kafka'] })),
    { kafka: { version: v.kafka4, heapMb: 256, quorum: 'dynamic', release: { mirror: MIRROR } } },
    dir,
  );

/** The quorum as its leader reports it, asked of every lab controller host (zkk's wire client). */
async function quorum(): Promise<QuorumDescription> {
  const { conn, quorum: q } = await describeQuorumViaControllers([...FOUNDERS, NEW].map((n) => ({ host: host(n).address, port: 9093 })), { requestTimeoutMs: 10_000 });
  conn.close();
  return q;
}
const voters = (q: QuorumDescription) => q.voters.map((x) => x.nodeId).sort((a, b) => a - b);
/** node.id from the host's meta.properties */
const nodeIdOf = async (name: string) => Number(/^node\.id=(\d+)$/m.exec((await hostSsh(name, 'cat /var/lib/kafka/data/meta.properties')).stdout)?.[1]);

/** kafka-metadata-quorum.sh on a broker host: the voters of --status, and each node's Status column of --replication. */
async function toolView(): Promise<{ voters: number[]; status: Map<number, string> }> {
  const cmd = (what: string) => `KAFKA_HEAP_OPTS=-Xmx128m /usr/local/kafka/bin/kafka-metadata-quorum.sh --bootstrap-server ${host('b1').address}:9092 describe ${what} 2>&1`;
  const st = (await hostSsh('b1', cmd('--status'))).stdout;
  const line = /^CurrentVoters:\s*(.*)$/m.exec(st)?.[1] ?? '';
  const ids = [...line.matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const rep = (await hostSsh('b1', cmd('--replication'))).stdout;
  const status = new Map<number, string>();
  for (const l of rep.split('\n')) {
    const m = /^(\d+)\s+.*\s(Leader|Follower|Observer)\s*$/.exec(l.trim());
    if (m) status.set(Number(m[1]), m[2]!);
  }
  expect(ids.length, st).toBeGreaterThan(0);
  return { voters: ids, status };
}

beforeAll(async () => {
  await hostsDown();
  info = await hostsUp(HOSTS);
  t0 = Date.now();
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-kraft-voters-'));
}, T(1_800_000));

afterAll(async () => {
  await hostsDown();
  console.log(`kraft-voters.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(120_000));

describe(`KRaft ${v.kafka4} dynamic quorum: a controller added and one removed under an acks=all producer`, () => {
  it('add a 4th controller (zkk deploy), remove a founder (zkk decommission), 0 lost, then 0 changed', async () => {
    printLogsOnFailure(() => HOSTS);
    const first = await runZkk(['deploy', inventory(FOUNDERS), '--json']);
    expect(first.code, whyFailed(first)).toBe(0);
    const founders = await Promise.all(FOUNDERS.map(nodeIdOf));
    expect(voters(await quorum())).toEqual([...founders].sort((a, b) => a - b));
    const producer = await startProducer(BROKERS.map((b) => `${host(b).address}:9092`), 'e2e-kraft-voters');

    // add c4: plan first
    const grown = inventory([...FOUNDERS, NEW]);
    const plan = await runZkk(['plan', grown, '--detailed-exitcode']);
    expect(plan.code, plan.stderr + plan.stdout).toBe(4);
    expect(plan.stdout).toContain('a controller joining the running quorum (--no-initial-controllers');
    const cluster = plan.stdout.slice(plan.stdout.indexOf('then, cluster-wide (kafka), in this order:'));
    expect(cluster, plan.stdout).toMatch(/\n {2}\d+\. gate: the quorum has a leader and no other voter change pending → wait until c4 \(node (\d+)\) has caught up with the leader as an observer \(DescribeQuorum\) → AddRaftVoter \1 \(directory\.id from its meta\.properties, CONTROLLER:\/\/[\d.]+:9093\) → wait until the quorum lists it as a voter/);
    expect(cluster).not.toMatch(/→ restart /);

    let acked = producer.ackedCount;
    let t = Date.now();
    const add = await runZkk(['deploy', grown, '--json']);
    const addS = (Date.now() - t) / 1000;
    console.log(`KRaft controller added (format, start as observer, catch up, AddRaftVoter): deploy ${addS.toFixed(1)} s`);
    expect(add.code, whyFailed(add)).toBe(0);
    // only the new host changed: no other node's config was rewritten, none restarted
    const changed = changedSteps(add.report!);
    expect(changed.filter((c) => c.host !== NEW), JSON.stringify(changed)).toEqual([]);
    expect(changed).toContainEqual({ host: NEW, id: 'kafka.format-storage' });
    const c4 = await nodeIdOf(NEW);
    expect(voters(await quorum())).toEqual([...founders, c4].sort((a, b) => a - b));
    const afterAdd = await toolView();
    expect(afterAdd.voters).toEqual([...founders, c4].sort((a, b) => a - b));
    expect(['Leader', 'Follower']).toContain(afterAdd.status.get(c4));
    expect(producer.ackedCount).toBeGreaterThan(acked);
    const again = await runZkk(['deploy', grown, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);

    // a voter's line dropped without decommission: refused before anything runs
    const dropped = await runZkk(['plan', inventory(['c2', 'c3', NEW])]);
    expect(dropped.code, dropped.stderr + dropped.stdout).toBe(2);
    expect(dropped.stderr + dropped.stdout).toMatch(new RegExp(`no host for controller\\(s\\) ${founders[0]}, still voter\\(s\\) of the running KRaft quorum[\\s\\S]*zkk decommission`));

    // remove c1 (a founder, perhaps the leader): dry run, then for real (the inventory file is rewritten: it has c1 again)
    expect(inventory([...FOUNDERS, NEW])).toBe(grown);
    const dry = await runZkk(['decommission', grown, 'c1', '--dry-run']);
    expect(dry.code, dry.stderr + dry.stdout).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`RemoveRaftVoter ${founders[0]} \\(directory\\.id [\\w-]{22}\\)`));
    expect(voters(await quorum())).toContain(founders[0]);
    acked = producer.ackedCount;
    t = Date.now();
    const rm = await runZkk(['decommission', grown, 'c1']);
    const removeS = (Date.now() - t) / 1000;
    console.log(`KRaft controller removed (RemoveRaftVoter, wait, stop): decommission ${removeS.toFixed(1)} s`);
    expect(rm.code, rm.stderr + rm.stdout).toBe(0);
    expect(rm.stdout).toMatch(/now delete the host line of c1/);
    const rest = [founders[1]!, founders[2]!, c4].sort((a, b) => a - b);
    expect(voters(await quorum())).toEqual(rest);
    const afterRemove = await toolView();
    expect(afterRemove.voters).toEqual(rest);
    // no longer a voter (the leader may list it as an observer until its last fetch expires)
    expect(['Observer', undefined]).toContain(afterRemove.status.get(founders[0]!));
    expect((await hostSsh('c1', 'ps -eo args | grep -c "[k]afka\\.Kafka" || true')).stdout.trim()).toBe('0');
    expect((await hostSsh('c1', 'test -f /var/lib/kafka/data/meta.properties && echo kept')).stdout.trim()).toBe('kept');
    // resumable: a second decommission finds it gone and stopped
    const rm2 = await runZkk(['decommission', grown, 'c1']);
    expect(rm2.code, rm2.stderr + rm2.stdout).toBe(0);
    expect(rm2.stdout).toMatch(/not a voter/);

    // the line deleted: 0 changed
    const shrunk = await runZkk(['deploy', inventory(['c2', 'c3', NEW]), '--json']);
    expect(shrunk.code, whyFailed(shrunk)).toBe(0);
    expect(changedSteps(shrunk.report!)).toEqual([]);

    expect(producer.ackedCount).toBeGreaterThan(acked);
    const proof = await producer.stopAndConsume();
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
  }, T(900_000));
});
