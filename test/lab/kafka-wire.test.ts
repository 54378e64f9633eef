// zkk's Kafka wire client (src/roles/kafka/wire/) against real brokers of both Kafka lines, started
// from the fixtures by hand as test/lab/proof-kafka.test.ts does (no zkk deploy in between):
//   - Kafka 3.9.2, 3 brokers in ZooKeeper mode: Metadata, DescribeConfigs (min ISR), Fetch, and the
//     refusal of DescribeQuorum (a ZooKeeper-mode broker does not offer it)
//   - the newest Kafka 4.x, 3 combined KRaft nodes: Metadata, DescribeConfigs, Fetch, DescribeQuorum
//     through a broker listener and through a controller listener
//   - on both: the requests of zkk rebalance/decommission — throttles set and removed
//     (IncrementalAlterConfigs, checked with DescribeConfigs), a reassignment that reorders
//     replicas, ListPartitionReassignments, a preferred-leader election (leader checked in
//     Metadata), and UnregisterBroker (KRaft; absent in ZooKeeper mode)
// Every version zkk speaks that the broker offers is sent and decoded with nothing left over.
// Run as root: npx vitest run --config test/vitest.config.ts test/lab/kafka-wire.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type LabInfo } from './lab.js';
import { ensureFixtures, type Fixtures } from '../fixtures/fixtures.js';
import { deploy, log, Pids, q, secs, sh, startBroker, startZkEnsemble, stopByPid, waitFor, waitForLog, waitForQuorum, writeFile, type Host } from '../fixtures/proof-lab.js';
import type { WireReader, WireWriter } from '../../src/roles/kafka/wire/codec.js';
import { Kafka, logLevel } from 'kafkajs';
import { API, connectAny, KafkaWireConnection } from '../../src/roles/kafka/wire/connection.js';
import { decodeFetchResponse, encodeFetchRequest, fetchPartition } from '../../src/roles/kafka/wire/fetch.js';
import { decodeDescribeConfigsResponse, encodeDescribeTopicConfigs, topicMinIsr } from '../../src/roles/kafka/wire/describe-configs.js';
import { decodeDescribeQuorumResponse, describeQuorum, describeQuorumViaControllers, encodeDescribeQuorumRequest } from '../../src/roles/kafka/wire/describe-quorum.js';
import { decodeMetadataResponse, encodeMetadataRequest, fetchMetadata, type ClusterMetadata } from '../../src/roles/kafka/wire/metadata.js';
import { alterPartitionReassignments } from '../../src/roles/kafka/wire/alter-partition-reassignments.js';
import { listPartitionReassignments } from '../../src/roles/kafka/wire/list-partition-reassignments.js';
import { incrementalAlterConfigs } from '../../src/roles/kafka/wire/incremental-alter-configs.js';
import { electPreferredLeaders } from '../../src/roles/kafka/wire/elect-leaders.js';
import { unregisterBroker } from '../../src/roles/kafka/wire/unregister-broker.js';

const HOSTS = ['zk1', 'zk2', 'zk3'];
/** The broker-wide default set below, and a topic that overrides it. */
const BROKER_MIN_ISR = 2;
const TOPIC_MIN_ISR = 3;

/**
 * Send the request at every version in [lo, hi] the node offers and decode each answer; an
 * answer with bytes left over is a layout mistake in a version branch. Returns version → value.
 */
async function everyVersion<T>(
  c: KafkaWireConnection,
  api: { key: number; name: string; lo: number; hi: number; flexibleFrom: number },
  encode: (w: WireWriter, v: number) => void,
  decode: (r: WireReader, v: number) => T,
): Promise<Map<number, T>> {
  const range = (await c.apiVersions()).get(api.key);
  if (!range) throw new Error(`${c.endpoint} offers no ${api.name}`);
  const out = new Map<number, T>();
  for (let v = Math.max(api.lo, range.min); v <= Math.min(api.hi, range.max); v++) {
    const r = await c.send(api.key, v, v >= api.flexibleFrom, (w) => encode(w, v));
    out.set(v, decode(r, v));
    expect(r.remaining, `${api.name} v${v}: bytes left after decoding`).toBe(0);
  }
  expect(out.size, `${api.name}: versions zkk speaks and ${c.endpoint} offers`).toBeGreaterThan(0);
  return out;
}

const METADATA = { key: API.metadata, name: 'Metadata', lo: 1, hi: 12, flexibleFrom: 9 };
const DESCRIBE_CONFIGS = { key: API.describeConfigs, name: 'DescribeConfigs', lo: 1, hi: 4, flexibleFrom: 4 };
const DESCRIBE_QUORUM = { key: API.describeQuorum, name: 'DescribeQuorum', lo: 0, hi: 2, flexibleFrom: 0 };
const FETCH = { key: API.fetch, name: 'Fetch', lo: 4, hi: 11, flexibleFrom: 12 };

describe('the Kafka wire client against real brokers (3.9.2 ZooKeeper mode, 4.x KRaft)', () => {
  let fx: Fixtures;
  let hosts: Host[];
  let zkHome: string;
  let k3Home: string;
  let k4Home: string;
  const pids = new Pids();

  beforeAll(async () => {
    fx = ensureFixtures();
    let t0 = performance.now();
    const info: LabInfo = await labUp(HOSTS);
    hosts = HOSTS.map((n) => {
      const h = info.hosts.find((x) => x.name === n);
      if (!h) throw new Error(`labUp did not bring up ${n}`);
      return { name: h.name, address: h.address };
    });
    log(`lab up in ${secs(t0)} s`);
    t0 = performance.now();
    [zkHome, k3Home, k4Home] = await Promise.all([deploy(info, hosts, fx.zookeeper), deploy(info, hosts, fx.kafka3), deploy(info, hosts, fx.kafka4)]);
    log(`3 tarballs unpacked on 3 hosts in ${secs(t0)} s`);
  }, 600_000);

  afterAll(async () => {
    try {
      const left = pids.entries();
      if (left.length) log(`stopped ${left.length} leftover JVM(s) by PID in ${await stopByPid(left, pids, 30_000)} s`);
    } finally {
      await labDown();
    }
  }, 300_000);

  const brokers = () => hosts.map((h) => ({ host: h.address, port: 9092 }));

  /** Two RF 3 topics, one overriding min.insync.replicas; waits (over the wire) for full ISRs. */
  async function createTopics(home: string): Promise<ClusterMetadata> {
    const bootstrap = brokers().map((b) => `${b.host}:${b.port}`).join(',');
    const create = (topic: string, extra: string) =>
      `${home}/bin/kafka-topics.sh --bootstrap-server ${bootstrap} --create --topic ${topic} --partitions 3 --replication-factor 3${extra}`;
    await sh(hosts[0], `${create('wire-override', ` --config min.insync.replicas=${TOPIC_MIN_ISR}`)} && ${create('wire-default', '')}`);
    return waitFor('both topics with ISR 3/3 in Metadata', 60_000, async () => {
      const c = await connectAny(brokers());
      try {
        const md = await fetchMetadata(c);
        const ours = md.topics.filter((t) => t.name.startsWith('wire-'));
        const full = ours.length === 2 && ours.every((t) => t.partitions.length === 3 && t.partitions.every((p) => p.errorCode === 0 && p.isr.length === 3));
        return full ? md : undefined;
      } finally {
        c.close();
      }
    });
  }

  /** Metadata and DescribeConfigs as zkk status uses them, and at every version. */
  async function expectMetadataAndMinIsr(c: KafkaWireConnection, md: ClusterMetadata): Promise<void> {
    expect(md.brokers.map((b) => [b.nodeId, b.host, b.port]).sort()).toEqual(hosts.map((h, i) => [i + 1, h.address, 9092]));
    expect(md.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect([1, 2, 3]).toContain(md.controllerId);
    for (const t of md.topics.filter((x) => x.name.startsWith('wire-'))) {
      expect(t.internal).toBe(false);
      for (const p of t.partitions) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
    }

    const versions = await everyVersion(c, METADATA, encodeMetadataRequest, decodeMetadataResponse);
    for (const [v, each] of versions) {
      expect(each.brokers.map((b) => b.nodeId).sort(), `Metadata v${v}`).toEqual([1, 2, 3]);
      expect(each.topics.map((t) => t.name).sort(), `Metadata v${v}`).toEqual(md.topics.map((t) => t.name).sort());
      expect(each.clusterId, `Metadata v${v}`).toBe(v >= 2 ? md.clusterId : null);
    }

    const minIsr = await topicMinIsr(c, ['wire-override', 'wire-default', 'wire-no-such-topic']);
    expect(minIsr).toEqual(new Map([['wire-override', TOPIC_MIN_ISR], ['wire-default', BROKER_MIN_ISR]]));
    const configs = await everyVersion(
      c,
      DESCRIBE_CONFIGS,
      (w, v) => encodeDescribeTopicConfigs(w, v, ['wire-override', 'wire-default'], ['min.insync.replicas']),
      decodeDescribeConfigsResponse,
    );
    for (const [v, each] of configs) {
      expect(each.get('wire-override')?.get('min.insync.replicas'), `DescribeConfigs v${v}`).toBe(String(TOPIC_MIN_ISR));
      expect(each.get('wire-default')?.get('min.insync.replicas'), `DescribeConfigs v${v}`).toBe(String(BROKER_MIN_ISR));
    }
    log(`${c.endpoint}: Metadata v${[...versions.keys()].join(',')} and DescribeConfigs v${[...configs.keys()].join(',')} decoded`);
  }

  /** Fetch (the verify canary's read-back): what kafkajs produced (acks=all), read by partition from its leader at every version. */
  async function expectFetch(md: ClusterMetadata): Promise<void> {
    const kafka = new Kafka({ clientId: 'wire-test', brokers: brokers().map((b) => `${b.host}:${b.port}`), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const values = ['one', 'two', 'three', 'four', 'five'].map((v) => `fetch-${v}`);
    let acked;
    try {
      acked = await producer.send({ topic: 'wire-default', acks: -1, messages: values.map((value, i) => ({ partition: 1, key: `k${i}`, value })) });
    } finally {
      await producer.disconnect();
    }
    const base = Number(acked[0]!.baseOffset);
    const leader = md.topics.find((t) => t.name === 'wire-default')!.partitions.find((p) => p.partition === 1)!.leader;
    const node = md.brokers.find((b) => b.nodeId === leader)!;
    const c = await KafkaWireConnection.connect(node.host, node.port);
    try {
      const q = { topic: 'wire-default', partition: 1, offset: base };
      const versions = await everyVersion(c, FETCH, (w, v) => encodeFetchRequest(w, v, q), (r, v) => decodeFetchResponse(r, v, q));
      for (const [v, each] of versions) {
        const at = `Fetch v${v}`;
        expect(each.highWatermark, at).toBe(base + values.length);
        expect(each.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString()]), at).toEqual(values.map((value, i) => [base + i, `k${i}`, value]));
      }
      expect((await fetchPartition(c, q)).records.map((r) => r.value?.toString())).toEqual(values);
      log(`${c.endpoint}: Fetch v${[...versions.keys()].join(',')} read back ${values.length} acknowledged records`);
    } finally {
      c.close();
    }
  }

  /**
   * The requests of zkk rebalance and decommission, sent to the active controller (ZooKeeper
   * mode only accepts reassignments and elections there; KRaft forwards from any broker).
   */
  async function expectReassignmentRequests(md: ClusterMetadata, kraft: boolean): Promise<void> {
    const controller = md.brokers.find((b) => b.nodeId === md.controllerId);
    if (!controller) throw new Error(`controller ${md.controllerId} not among the brokers`);
    const c = await connectAny([{ host: controller.host, port: controller.port }]);
    try {
      // throttles: set on a broker and a topic, visible in DescribeConfigs, then deleted again
      const throttled = { 'leader.replication.throttled.replicas': '*', 'follower.replication.throttled.replicas': '*' };
      const describeTopic = async () => {
        const r = await c.send(API.describeConfigs, 1, false, (w) => encodeDescribeTopicConfigs(w, 1, ['wire-default'], Object.keys(throttled)));
        return Object.fromEntries(decodeDescribeConfigsResponse(r, 1).get('wire-default') ?? []);
      };
      await incrementalAlterConfigs(c, [
        { type: 'broker', name: String(md.controllerId), configs: { 'leader.replication.throttled.rate': '10485760', 'follower.replication.throttled.rate': '10485760' } },
        { type: 'topic', name: 'wire-default', configs: throttled },
      ]);
      // KRaft: brokers learn config changes from the metadata log, a moment after the controller accepted them
      const seen = (want: Record<string, string>) => waitFor(`topic configs ${JSON.stringify(want)}`, 15_000, async () => {
        const got = await describeTopic();
        return Object.keys(got).length === 2 && Object.entries(want).every(([k, v]) => got[k] === v) ? true : undefined;
      });
      await seen(throttled);
      await incrementalAlterConfigs(c, [
        { type: 'broker', name: String(md.controllerId), configs: { 'leader.replication.throttled.rate': null, 'follower.replication.throttled.rate': null } },
        { type: 'topic', name: 'wire-default', configs: { 'leader.replication.throttled.replicas': null, 'follower.replication.throttled.replicas': null } },
      ]);
      await seen({ 'leader.replication.throttled.replicas': '', 'follower.replication.throttled.replicas': '' });
      await expect(incrementalAlterConfigs(c, [{ type: 'topic', name: 'wire-no-such-topic', configs: throttled }])).rejects.toThrow(/topic wire-no-such-topic: UNKNOWN_TOPIC_OR_PARTITION/);

      // a reassignment that only reorders the replicas (no data to move), then the new first replica elected
      const p0 = md.topics.find((t) => t.name === 'wire-default')!.partitions.find((p) => p.partition === 0)!;
      const reordered = [...p0.replicas.filter((id) => id !== p0.leader), p0.leader];
      const results = await alterPartitionReassignments(c, [
        { topic: 'wire-default', partition: 0, replicas: reordered },
        { topic: 'wire-default', partition: 1, replicas: null }, // cancel what is not in progress
      ]);
      expect(results.map((x) => [x.partition, x.errorCode]).sort()).toEqual([[0, 0], [1, 85]]);
      await waitFor('no reassignment in progress', 30_000, async () => ((await listPartitionReassignments(c)).length === 0 ? true : undefined));
      const after = await waitFor('the new replica order in Metadata', 30_000, async () => {
        const p = (await fetchMetadata(c)).topics.find((t) => t.name === 'wire-default')!.partitions.find((x) => x.partition === 0)!;
        return p.replicas.join() === reordered.join() && p.isr.length === 3 ? p : undefined;
      });
      expect(after.leader).toBe(p0.leader);
      expect(await electPreferredLeaders(c, [{ topic: 'wire-default', partition: 0 }, { topic: 'wire-default', partition: 1 }])).toEqual([]);
      await waitFor(`broker ${reordered[0]} leading wire-default-0`, 30_000, async () => {
        const p = (await fetchMetadata(c)).topics.find((t) => t.name === 'wire-default')!.partitions.find((x) => x.partition === 0)!;
        return p.leader === reordered[0] ? true : undefined;
      });

      if (kraft) expect(await unregisterBroker(c, 99)).toBe('not registered');
      else await expect(unregisterBroker(c, 99)).rejects.toThrow(/does not support UnregisterBroker/);
      log(`${c.endpoint}: IncrementalAlterConfigs, AlterPartitionReassignments, ListPartitionReassignments, ElectLeaders${kraft ? ', UnregisterBroker' : ''} checked`);
    } finally {
      c.close();
    }
  }

  it('Kafka 3.9.2 in ZooKeeper mode: Metadata, min ISR; no DescribeQuorum', async () => {
    let t0 = performance.now();
    await startZkEnsemble(hosts, zkHome, pids);
    await waitForQuorum(hosts, zkHome, 90_000);
    const zkConnect = `${hosts.map((h) => `${h.address}:2181`).join(',')}/kafka`;
    const started = await Promise.all(
      hosts.map(async (h, i) => {
        const cfg = `${k3Home}/config/wire-server.properties`;
        await sh(h, `cp ${k3Home}/config/server.properties ${cfg}`);
        await writeFile(h, `${k3Home}/config/wire-overrides.properties`, [
          `broker.id=${i + 1}`,
          `listeners=PLAINTEXT://${h.address}:9092`,
          `advertised.listeners=PLAINTEXT://${h.address}:9092`,
          'log.dirs=/var/lib/kafka3-wire',
          `zookeeper.connect=${zkConnect}`,
          'offsets.topic.replication.factor=3',
          `min.insync.replicas=${BROKER_MIN_ISR}`,
        ].join('\n'));
        await sh(h, `cat ${k3Home}/config/wire-overrides.properties >> ${cfg}`);
        return { host: h, pid: await startBroker(h, k3Home, cfg, '/var/log/kafka3/wire-console.out', pids) };
      }),
    );
    await Promise.all(hosts.map((h) => waitForLog(h, `${k3Home}/logs/server.log`, 'started \\(kafka\\.server\\.KafkaServer\\)', 120_000)));
    log(`ZooKeeper + 3 brokers (Kafka ${fx.kafka3.version}) up in ${secs(t0)} s`);

    t0 = performance.now();
    const md = await createTopics(k3Home);
    const c = await connectAny(brokers());
    try {
      await expectMetadataAndMinIsr(c, md);
      await expectFetch(md);
      await expect(describeQuorum(c)).rejects.toThrow(/does not support DescribeQuorum/);
      await expectReassignmentRequests(md, false);
    } finally {
      c.close();
    }
    log(`wire checks on ${fx.kafka3.version} in ${secs(t0)} s`);

    log(`3 brokers stopped by PID in ${await stopByPid(started, pids, 60_000)} s`);
    log(`ZooKeeper stopped by PID in ${await stopByPid(pids.entries(), pids)} s`);
  }, 420_000);

  it('Kafka 4.x in KRaft mode: Metadata, min ISR, DescribeQuorum via a broker and a controller', async () => {
    const voters = hosts.map((h, i) => `${i + 1}@${h.address}:9093`).join(',');
    let t0 = performance.now();
    const clusterId = (await sh(hosts[0], `${k4Home}/bin/kafka-storage.sh random-uuid 2>/dev/null`)).trim();
    await Promise.all(
      hosts.map(async (h, i) => {
        const cfg = `${k4Home}/config/wire-server.properties`;
        await sh(h, `cp ${k4Home}/config/server.properties ${cfg}`);
        await sh(h, `sed -i '/^controller\\.quorum\\.bootstrap\\.servers=/d' ${cfg}`);
        await writeFile(h, `${k4Home}/config/wire-overrides.properties`, [
          `node.id=${i + 1}`,
          `controller.quorum.voters=${voters}`,
          `listeners=PLAINTEXT://${h.address}:9092,CONTROLLER://${h.address}:9093`,
          `advertised.listeners=PLAINTEXT://${h.address}:9092,CONTROLLER://${h.address}:9093`,
          'log.dirs=/var/lib/kafka4-wire',
          'offsets.topic.replication.factor=3',
          'share.coordinator.state.topic.replication.factor=3',
          'share.coordinator.state.topic.min.isr=2',
          `min.insync.replicas=${BROKER_MIN_ISR}`,
        ].join('\n'));
        await sh(h, `cat ${k4Home}/config/wire-overrides.properties >> ${cfg}`);
        await sh(h, `${k4Home}/bin/kafka-storage.sh format -t ${q(clusterId)} -c ${cfg}`);
      }),
    );
    const nodes = await Promise.all(
      hosts.map(async (h) => ({ host: h, pid: await startBroker(h, k4Home, `${k4Home}/config/wire-server.properties`, '/var/log/kafka4/wire-console.out', pids) })),
    );
    await Promise.all(hosts.map((h) => waitForLog(h, `${k4Home}/logs/server.log`, 'Kafka Server started', 180_000)));
    log(`3 KRaft nodes (Kafka ${fx.kafka4.version}) up in ${secs(t0)} s`);

    t0 = performance.now();
    const md = await createTopics(k4Home);
    expect(md.clusterId).toBe(clusterId);
    const viaBroker = await connectAny(brokers());
    // only the quorum's leader answers DescribeQuorum on the controller listener (a follower: NOT_LEADER_OR_FOLLOWER)
    const { conn: viaController } = await describeQuorumViaControllers(hosts.map((h) => ({ host: h.address, port: 9093 })));
    try {
      await expectMetadataAndMinIsr(viaBroker, md);
      await expectFetch(md);
      await expectReassignmentRequests(md, true);
      for (const c of [viaBroker, viaController]) {
        const quorum = await describeQuorum(c);
        expect([1, 2, 3], c.endpoint).toContain(quorum.leaderId);
        expect(quorum.leaderEpoch, c.endpoint).toBeGreaterThan(0);
        expect(quorum.highWatermark, c.endpoint).toBeGreaterThan(0);
        expect(quorum.voters.map((v) => v.nodeId).sort(), c.endpoint).toEqual([1, 2, 3]);
        for (const v of quorum.voters) expect(v.logEndOffset, `${c.endpoint} voter ${v.nodeId}`).toBeGreaterThan(0);
        const versions = await everyVersion(c, DESCRIBE_QUORUM, (w) => encodeDescribeQuorumRequest(w), decodeDescribeQuorumResponse);
        for (const [v, each] of versions) {
          const at = `${c.endpoint} DescribeQuorum v${v}`;
          expect(each.voters.map((x) => x.nodeId).sort(), at).toEqual([1, 2, 3]);
          expect([1, 2, 3], at).toContain(each.leaderId);
          for (const x of each.voters) expect(x.lastCaughtUpTimestamp > 0, `${at} voter ${x.nodeId} caught-up time`).toBe(v >= 1);
          if (v >= 2) for (const [i, h] of hosts.entries()) expect(each.nodes.get(i + 1), at).toEqual([{ host: h.address, port: 9093 }]);
        }
        log(`${c.endpoint}: DescribeQuorum v${[...versions.keys()].join(',')} decoded (leader ${quorum.leaderId})`);
      }
    } finally {
      viaBroker.close();
      viaController.close();
    }
    log(`wire checks on ${fx.kafka4.version} in ${secs(t0)} s`);

    // combined KRaft nodes stopped together (one by one, the last waits for a quorum that is gone)
    log(`3 KRaft nodes stopped by PID in ${await stopByPid(nodes, pids, 20_000)} s`);
  }, 420_000);
});
