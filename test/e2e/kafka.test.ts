/**
 * Issue 4 end to end on real lab hosts with real brokers: ZooKeeper mode co-located on
 * 3 hosts (deploy → verify → deploy again with the same PIDs; a config change rolls the
 * brokers one at a time under a producer with acks=all and loses nothing; plan shows the
 * diff; topic commands), then KRaft on 3 combined nodes, then 3 ZooKeeper + 3 Kafka hosts.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canHost, hostsDown, hostSsh, hostsUp, T, type TargetInfo } from './target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, sleep, whyFailed, writeLabInventory } from './helpers.js';
import { startProducer } from './traffic.js';

const versions = fixtureVersions();
afterAll(async () => hostsDown(), T(120_000));

async function brokerPids(hosts: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of hosts) out[h] = (await hostSsh(h, 'cat /var/log/kafka/kafka.pid')).stdout.trim();
  return out;
}

describe('ZooKeeper mode, Kafka co-located with ZooKeeper on 3 hosts (the seeds layout)', () => {
  const HOSTS = ['zk1', 'zk2', 'zk3'];
  let info: TargetInfo;
  let dir: string;
  let inv: string;
  const write = (kafka: Record<string, unknown> = {}) =>
    (inv = writeLabInventory(
      info,
      HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })),
      {
        zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
        kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR }, ...kafka },
      },
      dir,
    ));

  it('deploy → verified (registered brokers, controller, canary round trip)', async () => {
    await hostsDown();
    info = await hostsUp(HOSTS);
    dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-kafka-'));
    write();
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    const checks = Object.fromEntries(r.report!.verify.filter((c) => !c.host).map((c) => [c.name, c]));
    expect(checks['kafka.registered']!.detail).toContain('/kafka/brokers/ids: [1, 2, 3]');
    expect(checks['kafka.canary']!.ok).toBe(true);
    expect(checks['kafka.canary']!.detail).toMatch(/RF 3: produced 30 \(acks=all\), consumed 30/);
    const props = await hostSsh('zk2', 'cat /etc/kafka/server.properties');
    expect(props.stdout).toContain('broker.id=2');
    expect(props.stdout).toContain(`zookeeper.connect=${HOSTS.map((h) => `${info.hosts.find((x) => x.name === h)!.address}:2181`).join(',')}/kafka`);
    // services run as their own users
    const users = await hostSsh('zk1', "ps -o user= -p $(cat /var/log/kafka/kafka.pid) -p $(cat /var/lib/zookeeper/zookeeper_server.pid)");
    expect(users.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(['kafka', 'zookeeper']);
  }, T(300_000));

  it('deploy again → 0 changed, no broker restarted', async () => {
    const before = await brokerPids(HOSTS);
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(changedSteps(r.report!)).toEqual([]);
    expect(await brokerPids(HOSTS)).toEqual(before);
  }, T(300_000));

  it('topic commands: create, list, describe, alter, delete', async () => {
    const c = await runZkk(['topic', 'create', inv, 'e2e-orders', '--partitions', '3', '--replication-factor', '3', '--config', 'min.insync.replicas=2']);
    expect(c.code, c.stderr).toBe(0);
    expect((await runZkk(['topic', 'list', inv])).stdout.split('\n')).toContain('e2e-orders');
    const d = await runZkk(['topic', 'describe', inv, 'e2e-orders']);
    expect(d.stdout).toMatch(/PartitionCount: 3\s+ReplicationFactor: 3/);
    expect((await runZkk(['topic', 'alter', inv, 'e2e-orders', '--partitions', '6'])).code).toBe(0);
    expect((await runZkk(['topic', 'describe', inv, 'e2e-orders'])).stdout).toMatch(/PartitionCount: 6/);
    const dup = await runZkk(['topic', 'create', inv, 'e2e-orders']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
    expect((await runZkk(['topic', 'delete', inv, 'e2e-orders'])).code).toBe(0);
    await sleep(1000);
    expect((await runZkk(['topic', 'list', inv])).stdout.split('\n')).not.toContain('e2e-orders');
  }, T(120_000));

  it('plan shows the server.properties diff and exits 4', async () => {
    write({ logRetentionHours: 72 });
    const p = await runZkk(['plan', inv, '--detailed-exitcode']);
    expect(p.code, p.stderr).toBe(4);
    expect(p.stdout).toContain('-log.retention.hours=168');
    expect(p.stdout).toContain('+log.retention.hours=72');
    expect(p.stdout).toMatch(/3 change\(s\) pending/);
  }, T(60_000));

  it('a broker config change under a producer (acks=all, RF 3, min ISR 2): one broker at a time, 0 acknowledged messages lost', async () => {
    const brokers = info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `${h.address}:9092`);
    const producer = await startProducer(brokers, 'e2e-roll');
    const before = await brokerPids(HOSTS);
    const r = await runZkk(['deploy', inv]);
    const { acked, failed, lost } = await producer.stopAndConsume();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // one broker at a time, each back with 0 under-replicated partitions before the next; the controller last
    const roll = r.stdout.split('\n').filter((l) => /restarting Kafka node|Kafka back/.test(l)).map((l) => (l.includes('restarting') ? 'restart' : 'back'));
    expect(roll).toEqual(['restart', 'back', 'restart', 'back', 'restart', 'back']);
    expect(r.stdout).toMatch(/restarting Kafka node \d \(active controller, last\)/);
    const after = await brokerPids(HOSTS);
    for (const h of HOSTS) expect(after[h]).not.toBe(before[h]);
    expect(r.stdout).not.toMatch(/restarting ZooKeeper/);
    console.log(`roll under load: ${acked.length} acknowledged, ${failed} sends failed (retried by the app), ${lost.length} lost`);
    for (const l of r.stdout.split('\n').filter((x) => /Kafka back/.test(x))) console.log(l.trim());
    expect(acked.length).toBeGreaterThan(100);
    expect(lost).toEqual([]);
  }, T(400_000));
});

describe('KRaft: 3 combined nodes on Kafka 4', () => {
  const HOSTS = ['k1', 'k2', 'k3'];
  let info: TargetInfo;
  let dir: string;
  let inv: string;

  it('deploy → verified quorum and canary; deploy again → 0 changed, no re-format, cluster id stable', async () => {
    await hostsDown();
    info = await hostsUp(HOSTS);
    dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-kraft-'));
    inv = writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['kafka'] })), {
      kafka: { version: versions.kafka4, heapMb: 256, release: { mirror: MIRROR } },
    }, dir);
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    const q = r.report!.verify.find((c) => c.name === 'kafka.quorum')!;
    expect(q.ok).toBe(true);
    expect(q.detail).toMatch(/voters \[1, 2, 3\]/);
    expect(r.report!.verify.find((c) => c.name === 'kafka.canary')!.ok).toBe(true);
    const idFile = path.join(dir, 'e2e.kafka-cluster-id');
    const id = readFileSync(idFile, 'utf8').trim();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const meta = await hostSsh('k1', 'cat /var/lib/kafka/data/meta.properties; stat -c %Y /var/lib/kafka/data/meta.properties');
    expect(meta.stdout).toContain(`cluster.id=${id}`);
    const idMtime = statSync(idFile).mtimeMs;

    const pidsBefore = await brokerPids(HOSTS);
    const again = await runZkk(['deploy', inv, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
    expect(again.report!.hosts[0]!.steps.find((s) => s.id === 'kafka.format-storage')!.detail).toContain(`formatted (cluster ${id})`);
    expect(await brokerPids(HOSTS)).toEqual(pidsBefore);
    expect((await hostSsh('k1', 'cat /var/lib/kafka/data/meta.properties; stat -c %Y /var/lib/kafka/data/meta.properties')).stdout).toBe(meta.stdout);
    expect(readFileSync(idFile, 'utf8').trim()).toBe(id);
    expect(statSync(idFile).mtimeMs).toBe(idMtime);
  }, T(400_000));

  it('a log dir of another cluster is refused, not formatted over', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-other-'));
    const inv2 = writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['kafka'] })), {
      kafka: { version: versions.kafka4, heapMb: 256, release: { mirror: MIRROR } },
    }, other);
    const r = await runZkk(['plan', inv2, '--json']);
    // a new inventory dir means a new cluster id would be generated at deploy; plan shows the clash at deploy time only
    expect(r.code).toBe(0);
    const d = await runZkk(['deploy', inv2, '--json']);
    expect(d.code).toBe(1);
    const step = d.report!.hosts[0]!.steps.find((s) => s.id === 'kafka.format-storage')!;
    expect(step.status).toBe('failed');
    expect(step.detail).toMatch(/never formats over another cluster's data/);
  }, T(120_000));
});

describe('KRaft: dedicated controllers with a dynamic quorum', () => {
  it.skipIf(!canHost(5))('3 kafka-controller + 2 brokers → verified; deploy again → 0 changed (needs 5 hosts: ZKK_VAGRANT_VMS=5 on vagrant)', async () => {
    await hostsDown();
    const HOSTS = ['c1', 'c2', 'c3', 'b1', 'b2'];
    const info = await hostsUp(HOSTS);
    const inv = writeLabInventory(
      info,
      HOSTS.map((name) => ({ name, roles: [name.startsWith('c') ? 'kafka-controller' : 'kafka'] })),
      { kafka: { version: versions.kafka4, heapMb: 256, quorum: 'dynamic', release: { mirror: MIRROR } } },
    );
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(r.report!.verify.find((c) => c.name === 'kafka.quorum')!.detail).toMatch(/voters \[1, 2, 3\]/);
    expect(r.report!.verify.find((c) => c.name === 'kafka.registered')!.detail).toContain('[4, 5]');
    const props = await hostSsh('c1', 'cat /etc/kafka/server.properties');
    expect(props.stdout).toContain('process.roles=controller');
    expect(props.stdout).toContain('controller.quorum.bootstrap.servers=');
    const again = await runZkk(['deploy', inv, '--json']);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(400_000));
});

describe('ZooKeeper mode on separate hosts: 3 ZooKeeper + 3 Kafka', () => {
  it.skipIf(!canHost(6))('deploy → verified (needs 6 hosts: ZKK_VAGRANT_VMS=6 on vagrant)', async () => {
    await hostsDown();
    const HOSTS = ['zk1', 'zk2', 'zk3', 'kafka1', 'kafka2', 'kafka3'];
    const info = await hostsUp(HOSTS);
    const inv = writeLabInventory(
      info,
      HOSTS.map((name) => ({ name, roles: [name.startsWith('zk') ? 'zookeeper' : 'kafka'] })),
      {
        zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
        kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR } },
      },
    );
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(r.report!.verify.every((c) => c.ok)).toBe(true);
    expect(r.report!.verify.find((c) => c.name === 'kafka.registered')!.detail).toContain('[1, 2, 3]');
    const zkOnKafkaHost = await hostSsh('kafka1', 'test -e /usr/local/zookeeper && echo yes || echo no');
    expect(zkOnKafkaHost.stdout.trim()).toBe('no');
  }, T(400_000));
});
