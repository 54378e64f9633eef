/**
 * Issue 13: Kafka rolling upgrades, ZooKeeper mode, co-located with ZooKeeper on 3 hosts:
 * ZooKeeper 3.8.x → 3.9.x and Kafka 3.9.y → 3.9.z in one deploy under an acks=all producer
 * (0 lost), finalize (nothing to raise within 3.9), then 0 changed; Kafka 4 on this cluster is
 * refused with the way there (the migration). KRaft: upgrade-kraft*.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostSsh, hostsDown, hostsUp, re, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startProducer } from '../e2e/traffic.js';
import { timedDeploy } from './upgrade-probes.js';

const v = fixtureVersions();
/** from when the lab is ours (waiting for the lab lease is not this file's time) */
let t0 = Date.now();
const HOSTS = ['zk1', 'zk2', 'zk3'];

afterAll(async () => {
  await hostsDown();
  console.log(`upgrade-kafka.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(120_000));


describe(`co-located ZooKeeper ${v.zookeeper38} → ${v.zookeeper39} + Kafka ${v.kafka3prev} → ${v.kafka3} (ZooKeeper mode) in one deploy`, () => {
  let info: TargetInfo;
  let dir: string;
  const inventory = (zk: string, kafka: string) =>
    writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })), {
      zookeeper: { version: zk, heapMb: 128, release: { mirror: MIRROR } },
      kafka: { mode: 'zookeeper', version: kafka, heapMb: 256, release: { mirror: MIRROR } },
    }, dir);

  it('deploy the old versions, upgrade both under a producer (0 lost), finalize, then 0 changed', async () => {
    info = await hostsUp(HOSTS);
    t0 = Date.now();
    dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-upgrade-k3-'));
    const first = await runZkk(['deploy', inventory(v.zookeeper38, v.kafka3prev), '--json']);
    expect(first.code, whyFailed(first)).toBe(0);

    const inv = inventory(v.zookeeper39, v.kafka3);
    const brokers = info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `${h.address}:9092`);
    const producer = await startProducer(brokers, 'e2e-upgrade-k3');
    const r = await timedDeploy(inv, 'ZooKeeper + Kafka 3.9 upgrade of 3 co-located nodes');
    const proof = await producer.stopAndConsume();
    expect(r.code, whyFailed(r)).toBe(0);
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
    const changed = changedSteps(r.report!);
    for (const host of HOSTS) {
      for (const id of ['zookeeper.release', 'zookeeper.install-link', 'kafka.release', 'kafka.install-link']) expect(changed).toContainEqual({ host, id });
      const out = await hostSsh(host, 'readlink /usr/local/zookeeper /usr/local/kafka; tr "\\0" " " < /proc/$(cat /var/log/kafka/kafka.pid)/cmdline | grep -o "kafka_2.13-[0-9.]*" | head -n1');
      expect(out.stdout).toContain(`/usr/local/zookeeper-${v.zookeeper39}`);
      expect(out.stdout).toContain(`/usr/local/kafka_2.13-${v.kafka3}`);
    }
    // a patch upgrade within 3.9: the protocol stays 3.9, nothing to finalize
    const fin = await runZkk(['upgrade', 'finalize', inv, '--yes']);
    expect(fin.code, fin.stderr + fin.stdout).toBe(0);
    expect(fin.stdout).toContain('nothing to finalize');
    const again = await runZkk(['deploy', inv, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
    // Kafka 4 on this ZooKeeper-mode cluster: refused (exit 2) with the way there, the migration
    const k4 = await runZkk(['plan', inventory(v.zookeeper39, v.kafka4)]);
    expect(k4.code).toBe(2);
    expect(k4.stderr + k4.stdout).toMatch(new RegExp(`Kafka ${re(v.kafka4)} has no ZooKeeper mode[\\s\\S]*migrate to KRaft on 3\\.9[\\s\\S]*kraft_zk_migration`));
  }, T(900_000));
});
