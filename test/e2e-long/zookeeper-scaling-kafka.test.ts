/**
 * Issue 12, the last part on real lab hosts: ZooKeeper-mode brokers follow a ZooKeeper scale-out
 * and scale-in. The seeds' layout (ZooKeeper + Kafka co-located on zk1..zk3), an acks=all
 * producer (RF 3, min ISR 2) and a ZooKeeper reader throughout:
 *   - 3 → 5: zk4 and zk5 added as ZooKeeper servers (static config). `zkk plan` shows every
 *     broker's zookeeper.connect diff and its gated restart; one `zkk deploy` settles the
 *     ensemble first (5 servers, 1 leader), then rolls the brokers one at a time with the
 *     5-server zookeeper.connect — every broker a new process, its server.properties listing
 *     the 5 servers; the next deploy changes nothing.
 *   - 5 → 3: zk4 and zk5 `leaving: true`: the brokers roll back to the 3-server list before
 *     the leavers stop, the remaining ensemble has 1 leader + 2 followers; then 0 changed.
 *   - every acknowledged message consumed back (0 lost); the reader's znode kept.
 * Prints the two deploys' durations and the traffic figures.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSsh, hostsDown, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startProducer, startZkReader, type RunningProducer } from '../e2e/traffic.js';
import { printLogsOnFailure } from '../e2e/failure-logs.js';

const BROKERS = ['zk1', 'zk2', 'zk3'];
const ALL = [...BROKERS, 'zk4', 'zk5'];
const versions = fixtureVersions();
let info: TargetInfo;
let dir: string;
let producer: RunningProducer;
let consumed = false;
const started = Date.now();

const inventory = (zookeepers: string[], leaving: string[] = []) =>
  writeLabInventory(
    info,
    zookeepers.map((name) => ({ name, roles: BROKERS.includes(name) ? ['zookeeper', 'kafka'] : ['zookeeper'], ...(leaving.includes(name) ? { leaving: true } : {}) })),
    {
      zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
      kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR } },
    },
    dir,
  );
const address = (h: string) => info.hosts.find((x) => x.name === h)!.address;
const kafkaPid = async (h: string) => (await hostSsh(h, 'p=$(cat /var/log/kafka/kafka.pid 2>/dev/null) && [ -d /proc/$p ] && echo $p || echo none')).stdout.trim();
/** The zookeeper.connect a broker's server.properties has: its servers' addresses, sorted. */
const connectOf = async (h: string) => {
  const line = /^zookeeper\.connect=(.*)$/m.exec((await hostSsh(h, 'cat /etc/kafka/server.properties')).stdout)?.[1] ?? '';
  return line.replace(/\/.*$/, '').split(',').map((s) => s.replace(/:\d+$/, '')).sort();
};
async function ownMode(host: string): Promise<string> {
  const out = (await hostSsh(host, `bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && printf srvr >&3 && timeout 3 cat <&3' 2>&1 || true`)).stdout;
  return /^Mode:\s*(\S+)/m.exec(out)?.[1] ?? 'no answer';
}

/** One deploy under the ZooKeeper reader; every broker restarted once, with the wanted servers in its zookeeper.connect. */
async function scaleDeploy(inv: string, readFrom: string[], wantServers: string[], label: string): Promise<void> {
  const before = await Promise.all(BROKERS.map(kafkaPid));
  expect(before).not.toContain('none');
  const acked = producer.ackedCount;
  const reader = await startZkReader(readFrom.map((h) => `${address(h)}:2181`), '/zkk-e2e-scale-kafka', 'written before');
  const t0 = Date.now();
  const r = await runZkk(['deploy', inv, '--json']);
  const ms = Date.now() - t0;
  const read = await reader.stop();
  expect(r.code, whyFailed(r)).toBe(0);
  console.log(`ZooKeeper ${label} with 3 ZooKeeper-mode brokers: deploy ${(ms / 1000).toFixed(1)} s; reader: ${read.reads} reads, ${read.failures} failed, longest gap ${read.longestGapMs} ms; producer: ${producer.ackedCount - acked} acknowledged meanwhile`);
  expect(read.failures).toBe(0);
  expect(producer.ackedCount).toBeGreaterThan(acked);
  const after = await Promise.all(BROKERS.map(kafkaPid));
  after.forEach((p, i) => {
    expect(p, BROKERS[i]).not.toBe('none');
    expect(p, `${BROKERS[i]}: its broker restarted`).not.toBe(before[i]);
  });
  const want = wantServers.map(address).sort();
  for (const b of BROKERS) expect(await connectOf(b), b).toEqual(want);
  const again = await runZkk(['deploy', inv, '--json']);
  expect(again.code, whyFailed(again)).toBe(0);
  expect(changedSteps(again.report!)).toEqual([]);
}

beforeAll(async () => {
  await hostsDown();
  info = await hostsUp(ALL);
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-zkscale-kafka-'));
}, T(1_500_000));

afterAll(async () => {
  // only when a test stopped short of its own stopAndConsume (a second one would consume everything again)
  if (producer && !consumed) await producer.stopAndConsume().catch(() => undefined);
  await hostsDown();
  console.log(`zookeeper-scaling-kafka.test.ts: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}, T(180_000));

describe('ZooKeeper-mode brokers follow a ZooKeeper scale-out and scale-in (static config)', () => {
  it('3 → 5: the ensemble settles, then the brokers roll with the 5-server zookeeper.connect; 0 changed after', async () => {
    printLogsOnFailure(() => ALL);
    const first = await runZkk(['deploy', inventory(BROKERS), '--json']);
    expect(first.code, whyFailed(first)).toBe(0);
    producer = await startProducer(BROKERS.map((h) => `${address(h)}:9092`), 'e2e-zkscale-kafka');
    const grown = inventory(ALL);
    const plan = await runZkk(['plan', grown]);
    expect(plan.code, plan.stderr + plan.stdout).toBe(0);
    for (const b of BROKERS) expect(plan.stdout, plan.stdout).toMatch(new RegExp(`${b}[\\s\\S]*zookeeper\\.connect`));
    await scaleDeploy(grown, BROKERS, ALL, '3 → 5');
    const modes = await Promise.all(ALL.map(ownMode));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(4);
  }, T(600_000));

  it('5 → 3: the brokers roll back to the 3-server list, the leavers stop; every acknowledged message consumed', async () => {
    printLogsOnFailure(() => ALL);
    await scaleDeploy(inventory(ALL, ['zk4', 'zk5']), BROKERS, BROKERS, '5 → 3');
    const modes = await Promise.all(BROKERS.map(ownMode));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);
    for (const h of ['zk4', 'zk5']) expect(await ownMode(h), h).toBe('no answer');
    consumed = true;
    const proof = await producer.stopAndConsume();
    console.log(`zookeeper-scaling-kafka: ${proof.acked.length} acknowledged, ${proof.lost.length} lost`);
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
  }, T(600_000));
});
