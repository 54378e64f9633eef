/**
 * Issue 20, adoption, ZooKeeper then Kafka: a 3-server ZooKeeper ensemble built by hand exactly as seed post 000 does
 * (the release unpacked as a real directory /usr/local/zookeeper, conf/zoo.cfg with
 * server.N=ip:3188:3288, dataDir/dataLogDir and myid under the install dir, `zkServer.sh start`),
 * holding znodes. `zkk plan` shows what it takes over; one follower is left as a take-over killed
 * midway would leave it (stopped, moved to the backup, half its data moved); `zkk deploy` finishes
 * that one and takes the others over one server at a time (leader last) while a client reads a
 * znode: every znode still there, myids and ports kept, the old directory kept as a backup, zkk's
 * service running; then a re-deploy has 0 changed.
 *
 * On the same 3 hosts, 3 Kafka brokers built by hand as seed post 003 does (ZooKeeper mode, the
 * 3.9 tarball unpacked at /usr/local/kafka, config/server.properties edited: broker.id 0-2,
 * listeners, log.dirs=/usr/local/kafka/logs, zookeeper.connect to the 3 servers; started with
 * `kafka-server-start.sh -daemon`), holding a topic (RF 3, min ISR 2) with messages and a consumer
 * group's committed offsets; they run through the ZooKeeper take-over. Then the whole cluster is
 * adopted under an acks=all producer and a znode reader: plan shows each broker's take-over, one
 * broker is left as a take-over killed midway would leave it (stopped, moved to the backup, part of
 * its data moved), deploy finishes it and takes the others over one at a time: 0 acknowledged
 * messages lost, the messages and the committed offsets from before still there, broker ids
 * unchanged, znodes kept; re-deploy 0 changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { Kafka, logLevel } from 'kafkajs';
import { hostsDown, hostSsh, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, sleep, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { tcpOpenWithin } from '../../src/roles/kafka/client.js';
import { startProducer, startZkReader } from '../e2e/traffic.js';

const HOSTS = ['zk1', 'zk2', 'zk3'];
const ZNODES = 40;
let info: TargetInfo;
let inv: string;
let t0 = 0;
let kafkaMs = 0;
const addr = (h: string) => info.hosts.find((x) => x.name === h)!.address;
const connect = () => HOSTS.map((h) => `${addr(h)}:2181`).join(',');
const brokers = () => HOSTS.map((h) => `${addr(h)}:9092`);
const TOPIC = 'handmade-events';
const GROUP = 'handmade-group';
const BEFORE = 60;
const COMMITTED = [{ partition: 0, offset: '7' }, { partition: 1, offset: '11' }, { partition: 2, offset: '3' }];
const kafkaClient = () => new Kafka({ clientId: 'e2e-adopt', brokers: brokers(), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });

/**
 * Seed post 003, typed over ssh: tarball to /usr/local/kafka, server.properties edited by hand
 * (broker.id, listeners, log.dirs under the install dir, zookeeper.connect), `-daemon`. The one
 * liberty: a 256 MB heap (the lab runs many JVMs on one machine).
 */
function handBuildKafka(id: number, host: string, version: string): string {
  const zk = HOSTS.map((h) => `${addr(h)}:2181`).join(',');
  return [
    'set -e',
    `cd /usr/local && tar -xzf ${MIRROR}/kafka/${version}/kafka_2.13-${version}.tgz`,
    `mv kafka_2.13-${version} /usr/local/kafka`,
    'cd /usr/local/kafka/config && cp server.properties server.properties.bak',
    `sed -i -e 's/^broker.id=.*/broker.id=${id}/' -e 's|^#listeners=.*|listeners=PLAINTEXT://${addr(host)}:9092|' -e 's|^log.dirs=.*|log.dirs=/usr/local/kafka/logs|' -e 's/^zookeeper.connect=.*/zookeeper.connect=${zk}/' server.properties`,
    "cd /usr/local/kafka && KAFKA_HEAP_OPTS='-Xmx256m -Xms256m' bin/kafka-server-start.sh -daemon config/server.properties",
  ].join('\n');
}

/** Seed post 000, typed over ssh: tarball to /usr/local/zookeeper, zoo.cfg, myid, zkServer.sh start. */
function handBuild(myid: number, version: string): string {
  const servers = HOSTS.map((h, i) => `server.${i + 1}=${addr(h)}:3188:3288`).join('\n');
  return [
    'set -e',
    `cd /usr/local && tar -xzf ${MIRROR}/zookeeper/zookeeper-${version}/apache-zookeeper-${version}-bin.tar.gz`,
    `mv apache-zookeeper-${version}-bin /usr/local/zookeeper`,
    'cd /usr/local/zookeeper/conf',
    "cat > zoo.cfg <<'EOF'",
    'tickTime=2000',
    'initLimit=10',
    'syncLimit=5',
    'dataDir=/usr/local/zookeeper/data',
    'dataLogDir=/usr/local/zookeeper/logs',
    'clientPort=2181',
    servers,
    'EOF',
    'mkdir /usr/local/zookeeper/data /usr/local/zookeeper/logs',
    `echo ${myid} > /usr/local/zookeeper/data/myid`,
    'cd /usr/local/zookeeper/bin && ./zkServer.sh start >/dev/null 2>&1',
  ].join('\n');
}

async function withClient<T>(fn: (c: zookeeper.Client) => Promise<T>): Promise<T> {
  const c = zookeeper.createClient(connect(), { sessionTimeout: 20_000, spinDelay: 100, retries: 5 });
  await new Promise<void>((res) => (c.once('connected', () => res()), c.connect()));
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const read = (c: zookeeper.Client, p: string) =>
  new Promise<string>((res, rej) => c.getData(p, (e: unknown, d?: Buffer) => (e ? rej(new Error(`${p}: ${String(e)}`)) : res(d?.toString() ?? ''))));
/**
 * Create a znode. The client retries a create whose connection was lost, and the retry of one the
 * ensemble had applied fails with NODE_EXISTS: then the znode must hold exactly this data.
 */
const create = (c: zookeeper.Client, p: string, data: string) =>
  new Promise<void>((res, rej) =>
    c.create(p, Buffer.from(data), (e: unknown) => {
      if (!e) return res();
      if ((e as { getCode?: () => number }).getCode?.() !== zookeeper.Exception.NODE_EXISTS) return rej(new Error(`${p}: ${String(e)}`));
      read(c, p).then((d) => (d === data ? res() : rej(new Error(`${p} exists with other data: ${d}`))), rej);
    }),
  );

async function modes(): Promise<string[]> {
  return Promise.all(HOSTS.map(async (h) => /^Mode: (\w+)/m.exec((await hostSsh(h, '/usr/local/zookeeper/bin/zkServer.sh status 2>&1')).stdout)?.[1] ?? 'down'));
}

beforeAll(async () => {
  t0 = Date.now();
  await hostsDown();
  info = await hostsUp(HOSTS);
  const version = fixtureVersions().zookeeper;
  for (const [i, h] of HOSTS.entries()) {
    const r = await hostSsh(h, handBuild(i + 1, version));
    expect(r.code, r.stderr).toBe(0);
  }
  for (let i = 0; i < 120; i++) {
    const m = await modes();
    if (m.filter((x) => x === 'leader').length === 1 && m.filter((x) => x === 'follower').length === 2) break;
    await sleep(500);
  }
  expect((await modes()).sort()).toEqual(['follower', 'follower', 'leader']);
  await withClient(async (c) => {
    await create(c, '/handmade', 'root');
    for (let i = 0; i < ZNODES; i++) await create(c, `/handmade/z-${i}`, `value-${i}`);
  });
  // the brokers, by hand, on the hand-built ensemble; a topic with messages and a group's committed offsets
  const tk = Date.now();
  for (const [i, h] of HOSTS.entries()) {
    const r = await hostSsh(h, handBuildKafka(i, h, fixtureVersions().kafka3));
    expect(r.code, r.stderr).toBe(0);
  }
  // `-daemon` returns at once and a JVM on a busy 2-core machine takes a while to listen (CI: the
  // admin client's own retries, about 20 s, ran out before any broker did): wait for each port first
  for (const h of HOSTS) {
    const open = await tcpOpenWithin(addr(h), 9092, T(180_000));
    if (!open) throw new Error(`hand-built broker on ${h} never listened on 9092:\n${(await hostSsh(h, 'tail -n 40 /usr/local/kafka/logs/server.log 2>&1')).stdout}`);
  }
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    // each answer comes from one broker's cache, and a broker just started may not list the others yet
    // (seen in CI: 3 brokers, then none): twice in a row all three
    let ids: number[] = [];
    for (let i = 0, good = 0; i < 240 && good < 2; i++) {
      ids = (await admin.describeCluster().catch(() => ({ brokers: [] as { nodeId: number }[] }))).brokers.map((b) => b.nodeId).sort();
      good = ids.length === 3 ? good + 1 : 0;
      if (good < 2) await sleep(500);
    }
    expect(ids).toEqual([0, 1, 2]);
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: false });
    for (let i = 0; i < 240; i++) {
      const t = await admin.fetchTopicMetadata({ topics: [TOPIC] }).then((m) => m.topics[0], () => undefined);
      if (t && t.partitions.length === 3 && t.partitions.every((x) => x.leader >= 0)) break;
      await sleep(250);
    }
    const p = kafkaClient().producer();
    await p.connect();
    for (let part = 0; part < 3; part++) await p.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: BEFORE / 3 }, (_, i) => ({ partition: part, value: `before-${part}-${i}` })) });
    await p.disconnect();
    await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: COMMITTED });
  } finally {
    await admin.disconnect();
  }
  kafkaMs += Date.now() - tk;
  inv = writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['zookeeper'] })), { zookeeper: { version, heapMb: 128, release: { mirror: MIRROR } } }, mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-adopt-')));
}, T(1_500_000));

afterAll(async () => {
  await hostsDown();
  console.log(`adopt.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s (the Kafka part: ${(kafkaMs / 1000).toFixed(1)} s)`);
}, T(120_000));

describe('adopting a ZooKeeper ensemble built by hand as the seeds do', () => {
  it('plan shows the take-over (ids, ports, backup, data moved); deploy takes it over leader last under a reader; every znode kept; then 0 changed', async () => {
    const plan = await runZkk(['plan', inv, '--json']);
    expect(plan.code, whyFailed(plan)).toBe(0);
    const rep = plan.report!;
    for (const [i, h] of HOSTS.entries()) {
      const adopt = rep.hosts.find((x) => x.name === h)!.steps.find((s) => s.id === 'zookeeper.adopt')!;
      expect(adopt.status).toBe('changed');
      expect(adopt.detail).toContain(`myid ${i + 1} kept, ports 2181/3188/3288 kept`);
      expect(adopt.detail).toContain('keep /usr/local/zookeeper as the backup /usr/local/zookeeper.pre-zkk');
      expect(adopt.detail).toContain('move its transaction logs /usr/local/zookeeper.pre-zkk/logs/version-2 into /var/lib/zookeeper/version-2');
    }
    expect(rep.identities.filter((x) => x.role === 'zookeeper').map((x) => [x.host, x.id])).toEqual(HOSTS.map((h, i) => [h, i + 1]));
    const order = rep.clusterSteps.find((c) => c.role === 'zookeeper')!.steps.filter((s) => s.includes('take over'));
    expect(order).toHaveLength(3);
    expect(order[2]).toMatch(/leader\), the leader last/);
    // nothing touched by plan
    expect((await hostSsh('zk1', 'test -d /usr/local/zookeeper && ! test -L /usr/local/zookeeper && echo hand')).stdout.trim()).toBe('hand');

    // a take-over killed midway on a follower: its hand server stopped, the install moved to the
    // backup, the snapshots moved, the transaction logs not yet (what the script does first)
    const follower = HOSTS[(await modes()).indexOf('follower')]!;
    const killed = await hostSsh(follower, [
      'set -e',
      'p=$(cat /usr/local/zookeeper/data/zookeeper_server.pid)',
      'kill "$p"',
      'while [ -d /proc/$p ] && ! grep -q "^State:.*Z" /proc/$p/status; do sleep 0.1; done',
      'mv -T /usr/local/zookeeper /usr/local/zookeeper.pre-zkk',
      'mkdir -p /var/lib/zookeeper/version-2',
      'mv /usr/local/zookeeper.pre-zkk/data/version-2/* /var/lib/zookeeper/version-2/',
      'rmdir /usr/local/zookeeper.pre-zkk/data/version-2',
    ].join('\n'));
    expect(killed.code, killed.stderr).toBe(0);
    const resumed = await runZkk(['plan', inv, '--json']);
    expect(resumed.code, whyFailed(resumed)).toBe(0);
    const left = resumed.report!.hosts.find((x) => x.name === follower)!.steps.find((s) => s.id === 'zookeeper.adopt')!.detail;
    expect(left).not.toContain('stop its');
    expect(left).not.toContain('move its snapshots');
    expect(left).toContain('move its transaction logs /usr/local/zookeeper.pre-zkk/logs/version-2 into /var/lib/zookeeper/version-2');
    // the stopped server first: it takes nothing from the quorum
    expect(resumed.report!.clusterSteps.find((c) => c.role === 'zookeeper')!.steps[0]).toContain(`take over ${follower} (myid ${HOSTS.indexOf(follower) + 1}, down)`);

    const reader = await startZkReader(HOSTS.map((h) => `${addr(h)}:2181`), '/handmade/reader', 'kept');
    const r = await runZkk(['deploy', inv]);
    const proof = await reader.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const taken = r.stdout.split('\n').filter((l) => l.includes('taking over the hand-built ZooKeeper'));
    expect(taken).toHaveLength(3);
    expect(taken[0]).toContain(`${follower}: taking over the hand-built ZooKeeper (down;`);
    expect(taken[2]).toMatch(/\(leader;/);
    console.log(`adoption under a reader: reads ${proof.reads}, failures ${proof.failures}, longest gap ${proof.longestGapMs} ms`);
    expect(proof.reads).toBeGreaterThan(0);

    for (const [i, h] of HOSTS.entries()) {
      const s = await hostSsh(h, [
        'readlink /usr/local/zookeeper',
        'cat /var/lib/zookeeper/myid',
        'test -f /usr/local/zookeeper.pre-zkk/conf/zoo.cfg && echo backup-kept',
        'ls /usr/local/zookeeper.pre-zkk/logs/version-2 2>/dev/null | wc -l',
        'p=$(cat /var/lib/zookeeper/zookeeper_server.pid) && stat -c %U /proc/$p',
        'grep -c ":3188:3288" /etc/zookeeper/zoo.cfg',
      ].join('; '));
      expect(s.stdout.trim().split('\n'), s.stderr).toEqual([`/usr/local/zookeeper-${fixtureVersions().zookeeper}`, String(i + 1), 'backup-kept', '0', 'zookeeper', '3']);
    }
    expect((await modes()).sort()).toEqual(['follower', 'follower', 'leader']);
    await withClient(async (c) => {
      for (let i = 0; i < ZNODES; i++) expect(await read(c, `/handmade/z-${i}`)).toBe(`value-${i}`);
      expect(await read(c, '/handmade/reader')).toBe('kept');
    });

    const again = await runZkk(['plan', inv, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(600_000));
});

describe('adopting the Kafka brokers built by hand as the seeds do (on the adopted ensemble)', () => {
  it('plan shows each take-over (broker.id, port, backup, data moved); one left half taken over; deploy finishes it and takes the others over under acks=all traffic and a znode reader; nothing lost; then 0 changed', async () => {
    const tk = Date.now();
    const version = fixtureVersions().kafka3;
    const full = writeLabInventory(
      info,
      HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })),
      { zookeeper: { version: fixtureVersions().zookeeper, heapMb: 128, release: { mirror: MIRROR } }, kafka: { mode: 'zookeeper', version, zookeeperChroot: '', heapMb: 256, release: { mirror: MIRROR } } },
      mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-adopt-kafka-')),
    );
    const plan = await runZkk(['plan', full, '--json']);
    expect(plan.code, whyFailed(plan)).toBe(0);
    for (const [i, h] of HOSTS.entries()) {
      const adopt = plan.report!.hosts.find((x) => x.name === h)!.steps.find((s) => s.id === 'kafka.adopt')!;
      expect(adopt.status).toBe('changed');
      expect(adopt.detail).toContain(`broker.id ${i} kept, listener port 9092 kept, zookeeper.connect ${connect()} kept`);
      expect(adopt.detail).toMatch(/stop its hand-started process \(pid \d+; SIGTERM, a controlled shutdown, waited for\)/);
      expect(adopt.detail).toContain('keep /usr/local/kafka as the backup /usr/local/kafka.pre-zkk');
      expect(adopt.detail).toContain('move its data /usr/local/kafka.pre-zkk/logs into /var/lib/kafka/data');
    }
    expect(plan.report!.identities.filter((x) => x.role === 'kafka').map((x) => [x.host, x.id])).toEqual(HOSTS.map((h, i) => [h, i]));
    expect(plan.report!.clusterSteps.find((c) => c.role === 'kafka')!.steps.filter((s) => s.includes('take over'))).toHaveLength(3);
    expect((await hostSsh('zk1', 'test -d /usr/local/kafka && ! test -L /usr/local/kafka && echo hand')).stdout.trim()).toBe('hand');

    const producer = await startProducer(brokers(), 'adopt-traffic');
    const reader = await startZkReader(HOSTS.map((h) => `${addr(h)}:2181`), '/handmade/reader-kafka', 'kept');
    // a take-over killed midway on a broker that is not the controller: stopped (SIGTERM, waited for),
    // the install moved to the backup, two partition dirs moved, the rest not yet
    const controller = (JSON.parse(await withClient((c) => read(c, '/controller'))) as { brokerid: number }).brokerid;
    const cut = HOSTS.find((_, i) => i !== controller)!;
    const killed = await hostSsh(cut, [
      'set -e',
      'for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = java ] && tr "\\0" " " < $p/cmdline | grep -q " kafka.Kafka " && pid=${p#/proc/}; done',
      'kill "$pid"',
      'while [ -d /proc/$pid ] && ! grep -q "^State:.*Z" /proc/$pid/status; do sleep 0.1; done',
      'mv -T /usr/local/kafka /usr/local/kafka.pre-zkk',
      'mkdir -p /var/lib/kafka/data',
      `for d in $(ls -d /usr/local/kafka.pre-zkk/logs/${TOPIC}-* | head -2); do mv "$d" /var/lib/kafka/data/; done`,
    ].join('\n'));
    expect(killed.code, killed.stderr).toBe(0);
    const resumed = await runZkk(['plan', full, '--json']);
    expect(resumed.code, whyFailed(resumed)).toBe(0);
    const left = resumed.report!.hosts.find((x) => x.name === cut)!.steps.find((s) => s.id === 'kafka.adopt')!.detail;
    expect(left).not.toContain('stop its');
    expect(left).toMatch(/move its data \/usr\/local\/kafka.pre-zkk\/logs into \/var\/lib\/kafka\/data \(\d+ entries left/);
    const order = resumed.report!.clusterSteps.find((c) => c.role === 'kafka')!.steps.filter((s) => s.includes('take over'));
    expect(order[0]).toContain(`take over ${cut} (broker ${HOSTS.indexOf(cut)}, down: no gate`);

    const r = await runZkk(['deploy', full]);
    const proof = await producer.stopAndConsume();
    const zkProof = await reader.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const taken = r.stdout.split('\n').filter((l) => l.includes('taking over the hand-built Kafka broker'));
    expect(taken).toHaveLength(3);
    console.log(taken.join('\n'));
    expect(taken[0]).toContain(`${cut}: taking over the hand-built Kafka broker ${HOSTS.indexOf(cut)} (down)`);
    expect(taken[2]).toContain(`taking over the hand-built Kafka broker ${controller} (active controller, last)`);
    console.log(`Kafka adoption under traffic: ${proof.acked.length} acknowledged, ${proof.failed} failed sends, ${proof.lost.length} lost; znode reads ${zkProof.reads}, failures ${zkProof.failures}, longest gap ${zkProof.longestGapMs} ms`);
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
    expect(zkProof.reads).toBeGreaterThan(0);

    for (const [i, h] of HOSTS.entries()) {
      const s = await hostSsh(h, [
        'readlink /usr/local/kafka',
        'sed -n "s/^broker.id=//p" /etc/kafka/server.properties',
        'sed -n "s/^broker.id=//p" /var/lib/kafka/data/meta.properties',
        'test -f /usr/local/kafka.pre-zkk/config/server.properties && echo backup-kept',
        'test -f /usr/local/kafka.pre-zkk/logs/server.log && echo log4j-kept',
        `ls -d /usr/local/kafka.pre-zkk/logs/${TOPIC}-* 2>/dev/null | wc -l`,
        `ls -d /var/lib/kafka/data/${TOPIC}-* | wc -l`,
        'p=$(cat /var/log/kafka/kafka.pid) && stat -c %U /proc/$p',
      ].join('; '));
      expect(s.stdout.trim().split('\n'), s.stderr).toEqual([`/usr/local/kafka_2.13-${version}`, String(i), String(i), 'backup-kept', 'log4j-kept', '0', '3', 'kafka']);
    }
    const admin = kafkaClient().admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([0, 1, 2]);
      const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
      expect(offsets[0]!.partitions.map((p) => ({ partition: p.partition, offset: p.offset })).sort((a, b) => a.partition - b.partition)).toEqual(COMMITTED);
    } finally {
      await admin.disconnect();
    }
    // every message produced by hand before the take-over, read back
    const consumer = kafkaClient().consumer({ groupId: `adopt-check-${Date.now()}` });
    await consumer.connect();
    const seen = new Set<string>();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 60_000);
        void consumer.run({ eachMessage: async ({ message }) => {
          seen.add(message.value!.toString());
          if (seen.size >= BEFORE) (clearTimeout(t), resolve());
        } });
      });
    } finally {
      await consumer.disconnect();
    }
    expect([...seen].sort()).toEqual([0, 1, 2].flatMap((part) => Array.from({ length: BEFORE / 3 }, (_, i) => `before-${part}-${i}`)).sort());
    await withClient(async (c) => {
      for (let i = 0; i < ZNODES; i++) expect(await read(c, `/handmade/z-${i}`)).toBe(`value-${i}`);
      expect(await read(c, '/handmade/reader-kafka')).toBe('kept');
    });

    const again = await runZkk(['plan', full, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
    kafkaMs += Date.now() - tk;
  }, T(600_000));
});
