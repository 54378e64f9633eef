/**
 * Kafka checks from the control node with real clients (kafkajs, and zkk's wire client where
 * kafkajs cannot: reading a partition without a consumer group): cluster membership, partition
 * health, and the canary round trip (produce acks=all → read back from every partition's leader).
 */
import { randomBytes } from 'node:crypto';
import { connectSocket, tcpProbe } from '../../shell/control-net.js';
import type { Admin, Kafka } from 'kafkajs';
import net from 'node:net';
import tls from 'node:tls';
import { connectAny, defaultWireSecurity, fetchMetadata, fetchPartition, KafkaWireConnection, KafkaWireError } from './wire/index.js';

/** Errors that mean the partition's leader moved: look it up again (LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH). */
const LEADER_NOT_AVAILABLE = 5;
const LEADER_MOVED = new Set([LEADER_NOT_AVAILABLE, 6, 74, 75]);

/** kafkajs, loaded on first use: a ZooKeeper-only run never compiles its 400 KB. */
let kafkajs: Promise<typeof import('kafkajs')> | undefined;

export async function kafkaClient(brokers: string[], clientId = 'zkk', requestTimeout = 15000): Promise<Kafka> {
  const { Kafka, logLevel } = await (kafkajs ??= import('kafkajs'));
  // a secured cluster (security:): TLS with the cluster CA and SCRAM-SHA-512 as zkk's admin
  const sec = defaultWireSecurity();
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: sec?.tls ? 10_000 : 3000,
    requestTimeout,
    retry: { retries: 3, initialRetryTime: 200 },
    ...(sec?.tls ? { ssl: { ca: [sec.tls.ca] } } : {}),
    ...(sec?.sasl ? { sasl: { mechanism: 'scram-sha-512' as const, username: sec.sasl.user, password: sec.sasl.password } } : {}),
    // brokers behind a bastion: each advertised host:port through its port forward (TLS on top of it)
    socketFactory: ({ host, port, ssl, onConnect }) => {
      if (!ssl) return connectSocket(host, port, onConnect);
      return tls.connect({ ...(ssl as tls.ConnectionOptions), socket: connectSocket(host, port), host, ...(net.isIP(host) ? {} : { servername: host }) }, onConnect);
    },
  });
}

export async function withAdmin<T>(brokers: string[], fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = (await kafkaClient(brokers)).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export function tcpOpen(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return tcpProbe(host, port, timeoutMs);
}

/** A port that is closed now may be a node still binding: poll it (every 0.5 s) for up to `ms` before calling it closed. */
export async function tcpOpenWithin(host: string, port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await tcpOpen(host, port)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface CanaryResult {
  topic: string;
  produced: number;
  consumed: number;
  /** partitions written and read back, and the brokers that led them */
  partitions: number;
  leaders: number[];
  ms: number;
}

/** The verify canary's topic: kept between runs (created once, short retention). */
export const CANARY_TOPIC = 'zkk-canary';
const CANARY_RETENTION_MS = 3_600_000;

/**
 * The canary round trip: `messages` values produced with acks=all over every partition of the
 * persistent canary topic (one partition per broker, so every broker leads one), then read back
 * by partition from each partition's leader with zkk's wire Fetch — no consumer group, so no
 * group join, no initial-rebalance delay and no __consumer_offsets to create. A value missing
 * from its partition after its acknowledged offset is a failed check.
 */
export async function canaryRoundTrip(brokers: string[], replicationFactor: number, brokerCount: number, messages = 30): Promise<CanaryResult> {
  const t0 = Date.now();
  // the client waits longer than the 30 s the broker is given to create the topic (emulated VMs need it)
  const kafka = await kafkaClient(brokers, 'zkk-canary', 45_000);
  const partitions = Math.max(3, brokerCount);
  await ensureCanaryTopic(kafka.admin(), replicationFactor, partitions);
  // Right after a whole-cluster start a partition may be led before its followers are back in the
  // ISR, and acks=all is refused (NOT_ENOUGH_REPLICAS, retriable) for a few seconds: retried for up
  // to ~30 s (seen once in CI: the client's usual 3 retries, ~1.5 s, were too few). A cluster that
  // still refuses after that fails the check.
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5000 } });
  await producer.connect();
  const run = randomBytes(4).toString('hex');
  // at least one message per partition, so every partition's leader is read back
  const values = Array.from({ length: Math.max(messages, partitions) }, (_, i) => `canary-${run}-${i}`);
  const byPartition = new Map<number, string[]>();
  values.forEach((v, i) => byPartition.set(i % partitions, [...(byPartition.get(i % partitions) ?? []), v]));
  let acked: { partition: number; baseOffset?: string }[];
  try {
    acked = await producer.send({ topic: CANARY_TOPIC, acks: -1, messages: values.map((value, i) => ({ partition: i % partitions, value })) });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  const leaders = new Set<number>();
  let consumed = 0;
  const metadata = await withWire(brokers, (c) => fetchMetadata(c));
  await Promise.all(
    acked.map(async ({ partition, baseOffset }) => {
      if (baseOffset === undefined) throw new Error(`${CANARY_TOPIC}-${partition}: the produce answer has no offset`);
      const want = new Set(byPartition.get(partition) ?? []);
      let offset = Number(baseOffset);
      // A leader that moves meanwhile (an election right after a start) is looked up again.
      for (let attempt = 1; ; attempt++) {
        try {
          const md = attempt === 1 ? metadata : await withWire(brokers, (c) => fetchMetadata(c));
          const leader = md.topics.find((t) => t.name === CANARY_TOPIC)?.partitions.find((p) => p.partition === partition)?.leader ?? -1;
          const node = md.brokers.find((b) => b.nodeId === leader);
          if (!node) throw new KafkaWireError(`${CANARY_TOPIC}-${partition} has no leader in the cluster metadata`, LEADER_NOT_AVAILABLE);
          const c = await KafkaWireConnection.connect(node.host, node.port, { clientId: 'zkk-canary', requestTimeoutMs: 10_000 });
          try {
            for (let round = 0; want.size > 0 && round < 20; round++) {
              const got = await fetchPartition(c, { topic: CANARY_TOPIC, partition, offset });
              for (const r of got.records) {
                if (r.offset < offset) continue;
                const v = r.value?.toString();
                if (v !== undefined && want.delete(v)) consumed++;
                offset = r.offset + 1;
              }
              if (offset >= got.highWatermark && want.size > 0) break; // everything readable was read
            }
          } finally {
            c.close();
          }
          leaders.add(leader);
          return;
        } catch (e) {
          const code = e instanceof KafkaWireError ? e.errorCode : undefined;
          if (attempt >= 10 || code === undefined || !LEADER_MOVED.has(code)) throw e;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    }),
  );
  return { topic: CANARY_TOPIC, produced: values.length, consumed, partitions, leaders: [...leaders].sort((x, y) => x - y), ms: Date.now() - t0 };
}

/** Create the canary topic when missing, or again when it has too few partitions or replicas (the cluster grew). */
async function ensureCanaryTopic(admin: Admin, replicationFactor: number, partitions: number): Promise<void> {
  await admin.connect();
  try {
    const existing = (await admin.listTopics()).includes(CANARY_TOPIC)
      ? (await admin.fetchTopicMetadata({ topics: [CANARY_TOPIC] })).topics[0]
      : undefined;
    const fits = existing && existing.partitions.length >= partitions && existing.partitions.every((p) => p.replicas.length >= replicationFactor);
    if (fits) return;
    if (existing) {
      await admin.deleteTopics({ topics: [CANARY_TOPIC], timeout: 30_000 });
      // the deletion completes asynchronously: wait until the name is free
      for (let i = 0; i < 60 && (await admin.listTopics()).includes(CANARY_TOPIC); i++) await new Promise((r) => setTimeout(r, 500));
    }
    // Slow hosts (e.g. emulated VMs) need more than the 5 s broker-side default to create it; a
    // freshly started cluster may not answer in time at all: asked again (an existing topic is fine).
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        await admin.createTopics({
          topics: [{ topic: CANARY_TOPIC, numPartitions: partitions, replicationFactor, configEntries: [{ name: 'retention.ms', value: String(CANARY_RETENTION_MS) }] }],
          waitForLeaders: true,
          timeout: 30_000,
        });
        // a topic created by an earlier attempt is not waited for by createTopics: wait for its leaders here
        for (;;) {
          const t = (await admin.fetchTopicMetadata({ topics: [CANARY_TOPIC] }).catch(() => undefined))?.topics[0];
          if (t && t.partitions.length >= partitions && t.partitions.every((p) => p.leader >= 0)) return;
          if (Date.now() > deadline) throw new Error(`${CANARY_TOPIC} has partitions without a leader 180 s after its creation`);
          await new Promise((r) => setTimeout(r, 500));
        }
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`${CANARY_TOPIC} not created within 180 s: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One wire connection to whichever broker answers first. */
export async function withWire<T>(brokers: string[], fn: (c: KafkaWireConnection) => Promise<T>): Promise<T> {
  const c = await connectAny(brokers.map(splitEndpoint), { clientId: 'zkk-verify', requestTimeoutMs: 10_000 });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

function splitEndpoint(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)) };
}
