/**
 * Issue 20, the long part, ZooKeeper mode co-located on 3 hosts (the seeds' layout): `zkk restart`
 * rolls the whole cluster under a producer (acks=all, RF 3, min ISR 2) and a ZooKeeper reader
 * (0 lost, every process new, then 0 changed); `zkk stop` of the whole cluster is refused
 * without --yes, then stops brokers before ZooKeeper, the controller and the leader last, and
 * `zkk start` brings it back verified.
 */
import { describe, expect, it } from 'vitest';
import { hostSsh, T } from '../e2e/target.js';
import { changedSteps, runZkk, whyFailed } from '../e2e/helpers.js';
import { addresses as clusterAddresses, day2Cluster, HOSTS, pids } from '../e2e/day2-cluster.js';
import { startProducer, startZkReader } from '../e2e/traffic.js';
import { printLogsOnFailure } from '../e2e/failure-logs.js';

const cluster = day2Cluster('day2-roll.test.ts');
const addresses = () => clusterAddresses(cluster);

describe('zkk restart / stop / start (ZooKeeper mode)', () => {
  it('restart: the whole cluster, one node at a time, under a producer and a ZooKeeper reader: 0 lost, every process new, then 0 changed', async () => {
    const before = { zookeeper: await pids('zookeeper'), kafka: await pids('kafka') };
    const producer = await startProducer(addresses().map((a) => `${a}:9092`), 'e2e-day2-roll');
    const reader = await startZkReader(addresses().map((a) => `${a}:2181`), '/e2e-day2', 'kept');
    const r = await runZkk(['restart', cluster.inv]);
    const read = await reader.stop();
    const { acked, lost } = await producer.stopAndConsume();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const order = lines.filter((l) => /restarting (ZooKeeper|Kafka)/.test(l));
    expect(order).toHaveLength(6);
    // ZooKeeper first, its leader last; then Kafka, the active controller last
    expect(order.slice(0, 3).every((l) => l.includes('ZooKeeper'))).toBe(true);
    expect(order[2]).toMatch(/restarting ZooKeeper \(leader[;)]/);
    expect(order[5]).toMatch(/restarting Kafka node \d \(active controller, last\)/);
    expect(r.stdout).toMatch(/verify: (\d+)\/\1 checks passed/);
    const after = { zookeeper: await pids('zookeeper'), kafka: await pids('kafka') };
    for (const h of HOSTS) {
      expect(after.zookeeper[h]).not.toBe(before.zookeeper[h]);
      expect(after.kafka[h]).not.toBe(before.kafka[h]);
    }
    console.log(`zkk restart under load: ${acked.length} acknowledged, ${lost.length} lost; znode reads ${read.reads}, failures ${read.failures}, longest gap ${read.longestGapMs} ms`);
    expect(acked.length).toBeGreaterThan(50);
    expect(lost).toEqual([]);
    const again = await runZkk(['plan', cluster.inv, '--json']);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(300_000));

  it('stop: a whole-cluster stop asks (--yes), then brokers before ZooKeeper, the leader last; start brings it back verified', async () => {
    printLogsOnFailure(() => HOSTS);
    const refused = await runZkk(['stop', cluster.inv]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(Object.values(await pids('kafka'))).not.toContain('none');
    const r = await runZkk(['stop', cluster.inv, '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const order = r.stdout.split('\n').filter((l) => /stopping (ZooKeeper|Kafka)/.test(l));
    expect(order).toHaveLength(6);
    expect(order.slice(0, 3).every((l) => l.includes('Kafka'))).toBe(true);
    expect(order[2]).toMatch(/active controller, last/);
    expect(order[5]).toMatch(/stopping ZooKeeper \(leader\)/);
    expect(Object.values(await pids('kafka'))).toEqual(['none', 'none', 'none']);
    expect(Object.values(await pids('zookeeper'))).toEqual(['none', 'none', 'none']);
    const s = await runZkk(['start', cluster.inv, '--json']);
    expect(s.code, whyFailed(s)).toBe(0);
    expect(s.report!.verify.every((c) => c.ok)).toBe(true);
    expect(s.report!.verify.find((c) => c.name === 'kafka.canary')!.ok).toBe(true);
  }, T(300_000));
});
