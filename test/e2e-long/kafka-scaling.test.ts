/**
 * Issue 12 parts 3: brokers 3 → 4 → 3 on a live KRaft cluster (Kafka 4, 3 combined nodes + a
 * broker-only 4th), with an acks=all producer (RF 3, min ISR 2) writing through all of it:
 *   deploy 3 → add k4 (deploy) → zkk rebalance --dry-run (changes nothing) → zkk rebalance
 *   --throttle → even spread, throttles gone → rebalance again plans nothing → deploy without
 *   k4 refused (exit 2: broker 4 still holds replicas) → zkk decommission k4 → no replica on
 *   4, broker 4 unregistered, its JVM gone → deploy without k4 → every acknowledged message
 *   consumed back. The spread is checked with kafkajs, not with zkk's own output.
 * KRaft, not ZooKeeper mode: decommission there has its extra step (UnregisterBroker), and
 * Kafka 4 has no ZooKeeper mode at all.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostSsh, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startProducer, type RunningProducer } from '../e2e/traffic.js';

const versions = fixtureVersions();
const HOSTS = ['k1', 'k2', 'k3', 'k4'];
const TOPIC = 'e2e-scale';
let t0 = Date.now();

/**
 * KRaft brokers learn leaders, registrations and configs from the metadata log a moment
 * after the controller decided: poll the check until it holds (at most `ms`), then assert it.
 */
async function eventually<T>(ms: number, read: () => Promise<T>, holds: (v: T) => boolean): Promise<T> {
  const by = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (holds(v) || Date.now() > by) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}
const same = (a: unknown) => (b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Replicas and leaders per broker of one topic, and whether every partition has RF 3 and a full ISR. */
async function spread(admin: Admin, topic: string): Promise<{ replicas: Record<number, number>; leaders: Record<number, number>; healthy: boolean }> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const replicas: Record<number, number> = {};
  const leaders: Record<number, number> = {};
  let healthy = true;
  for (const p of topics[0]!.partitions) {
    for (const b of p.replicas) replicas[b] = (replicas[b] ?? 0) + 1;
    leaders[p.leader] = (leaders[p.leader] ?? 0) + 1;
    if (p.replicas.length !== 3 || p.isr.length !== 3) healthy = false;
  }
  return { replicas, leaders, healthy };
}

describe('Kafka brokers 3 → 4 → 3 with rebalance and decommission, under live traffic (KRaft)', () => {
  let info: TargetInfo;
  let dir: string;
  let producer: RunningProducer;
  let admin: Admin;
  const write = (hosts: string[]) =>
    writeLabInventory(info, hosts.map((name) => ({ name, roles: ['kafka'] })), { kafka: { version: versions.kafka4, heapMb: 256, release: { mirror: MIRROR } } }, dir);
  const brokers = (hosts: string[]) => hosts.map((h) => `${info.hosts.find((x) => x.name === h)!.address}:9092`);

  beforeAll(async () => {
    await hostsDown();
    info = await hostsUp(HOSTS);
    t0 = Date.now(); // the test's own duration, not the wait for the lab
    dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-scaling-'));
  }, T(1_900_000)); // the lab lease may be held by another session (labUp waits up to 1800 s)

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await hostsDown();
    process.stdout.write(`kafka-scaling.test.ts: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }, T(120_000));

  it('3 brokers deployed; a producer starts; k4 added with zkk deploy joins as broker 4', async () => {
    const r = await runZkk(['deploy', write(HOSTS.slice(0, 3)), '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    producer = await startProducer(brokers(HOSTS.slice(0, 3)), TOPIC, { partitions: 12 });
    admin = new Kafka({ clientId: 'e2e-scaling-check', brokers: brokers(HOSTS.slice(0, 3)), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const grown = await runZkk(['deploy', write(HOSTS), '--json']);
    expect(grown.code, whyFailed(grown)).toBe(0);
    expect(await eventually(10_000, () => admin.describeCluster().then((c) => c.brokers.map((b) => b.nodeId).sort()), same([1, 2, 3, 4]))).toEqual([1, 2, 3, 4]);
    const s = await spread(admin, TOPIC);
    expect(s.replicas[4]).toBeUndefined(); // joining moves nothing by itself
  }, T(420_000));

  it('zkk rebalance --dry-run prints the plan and the steps in order, and moves nothing', async () => {
    const before = await spread(admin, TOPIC);
    const r = await runZkk(['rebalance', write(HOSTS), '--dry-run', '--throttle', '20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/over brokers 1,2,3,4: \d+ partition\(s\) to change/);
    const steps = r.stdout.slice(r.stdout.indexOf('steps, in order:'));
    expect(steps).toMatch(/1\. throttle replication to 20\.0 MB\/s[\s\S]*2\. reassign[\s\S]*3\. wait until[\s\S]*4\. remove replication throttles[\s\S]*5\. elect preferred leaders/);
    expect(await spread(admin, TOPIC)).toEqual(before);
  }, T(60_000));

  it('zkk rebalance --throttle: 9 replicas and 3 leaders per broker, full ISR, throttles removed; a second run changes nothing', async () => {
    const r = await runZkk(['rebalance', write(HOSTS), '--throttle', '20']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/rebalanced: \d+ partition\(s\) changed/);
    const want = { replicas: { 1: 9, 2: 9, 3: 9, 4: 9 }, leaders: { 1: 3, 2: 3, 3: 3, 4: 3 }, healthy: true };
    expect(await eventually(10_000, () => spread(admin, TOPIC), same(want))).toEqual(want);
    const throttles = async () => {
      const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: TOPIC, configNames: ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'] }, { type: 4, name: '4', configNames: ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'] }] });
      return cfg.resources.flatMap((res) => res.configEntries.filter((e) => !(e.isDefault || e.configValue === '' || e.configValue === null)).map((e) => `${res.resourceName} ${e.configName}=${e.configValue}`));
    };
    expect(await eventually(10_000, throttles, (left) => left.length === 0)).toEqual([]);
    const again = await runZkk(['rebalance', write(HOSTS)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/: 0 partition\(s\) to change/);
    expect(producer.ackedCount).toBeGreaterThan(0);
  }, T(300_000));

  it('deploy without k4 while broker 4 holds replicas: refused, exit 2, with the way out', async () => {
    const r = await runZkk(['deploy', write(HOSTS.slice(0, 3))]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
    expect(r.stderr).toMatch(/broker 4 \(registered from [\d.]+\) holds \d+ replica/);
    expect(r.stderr).toMatch(/zkk decommission/);
  }, T(60_000));

  it('zkk decommission k4: its replicas moved (RF 3 kept), it is stopped and unregistered; then deploy without k4 passes', async () => {
    const r = await runZkk(['decommission', write(HOSTS), 'k4', '--throttle', '20']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/broker 4: unregistered/);
    expect(r.stdout).toMatch(/delete the host line of k4/);
    const { topics } = await admin.fetchTopicMetadata();
    const onFour = topics.flatMap((t) => t.partitions.filter((p) => p.replicas.includes(4)).map((p) => `${t.name}-${p.partitionId}`));
    expect(onFour).toEqual([]);
    const registered = () => admin.describeCluster().then((c) => c.brokers.map((b) => b.nodeId).sort());
    expect(await eventually(10_000, registered, same([1, 2, 3]))).toEqual([1, 2, 3]);
    const want = { replicas: { 1: 12, 2: 12, 3: 12 }, leaders: { 1: 4, 2: 4, 3: 4 }, healthy: true };
    expect(await eventually(10_000, () => spread(admin, TOPIC), same(want))).toEqual(want);
    const jvm = await hostSsh('k4', 'test -s /var/log/kafka/kafka.pid && kill -0 "$(cat /var/log/kafka/kafka.pid)" 2>/dev/null && echo running || echo stopped');
    expect(jvm.stdout.trim()).toBe('stopped');
    const shrunk = await runZkk(['deploy', write(HOSTS.slice(0, 3)), '--json']);
    expect(shrunk.code, whyFailed(shrunk)).toBe(0);
  }, T(420_000));

  it('every acknowledged message is consumed back', async () => {
    const proof = await producer.stopAndConsume();
    expect(proof.acked.length).toBeGreaterThan(100);
    expect(proof.lost).toEqual([]);
    process.stdout.write(`producer: ${proof.acked.length} acknowledged, ${proof.failed} failed sends, 0 lost\n`);
  }, T(180_000));
});
