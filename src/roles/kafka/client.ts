/**
 * Kafka checks from the control node with a real client (kafkajs): cluster membership,
 * partition health, and the canary round trip (create → produce acks=all → consume
 * every message → delete).
 */
import { randomBytes } from 'node:crypto';
import { connectSocket, tcpProbe } from '../../shell/control-net.js';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { countPartitionHealth, type PartitionHealth } from './partition-health.js';

export function kafkaClient(brokers: string[], clientId = 'zkk'): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 15000,
    retry: { retries: 3, initialRetryTime: 200 },
    // brokers behind a bastion: each advertised host:port through its port forward
    socketFactory: ({ host, port, onConnect }) => connectSocket(host, port, onConnect),
  });
}

export async function withAdmin<T>(brokers: string[], fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export type { PartitionHealth } from './partition-health.js';

export async function partitionHealth(admin: Admin, minIsr = 1): Promise<PartitionHealth> {
  const { topics } = await admin.fetchTopicMetadata();
  return countPartitionHealth(topics, minIsr);
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
  ms: number;
}

export async function canaryRoundTrip(brokers: string[], replicationFactor: number, messages = 30): Promise<CanaryResult> {
  const t0 = Date.now();
  const topic = `zkk-canary-${randomBytes(4).toString('hex')}`;
  const kafka = kafkaClient(brokers, 'zkk-canary');
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 10000, heartbeatInterval: 1000 });
  let consumed = 0;
  try {
    // slow hosts (e.g. emulated VMs) need more than the 5 s broker-side default to create it
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor }], waitForLeaders: true, timeout: 30_000 });
    await producer.connect();
    const values = Array.from({ length: messages }, (_, i) => `canary-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: String(i), value })) });
    const seen = new Set<string>();
    // The first consumer group of a fresh cluster makes the broker create __consumer_offsets;
    // a consumer started before its coordinator answers can give up for good (slow hosts).
    // describeGroups asks the same coordinator: wait until it answers, then start consuming.
    const coordinatorBy = Date.now() + 120_000;
    for (;;) {
      try {
        await admin.describeGroups([`${topic}-group`]);
        break;
      } catch (e) {
        if (Date.now() > coordinatorBy) throw new Error(`no group coordinator within 120 s: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    let crash: Error | undefined;
    consumer.on(consumer.events.CRASH, (ev) => {
      if (!ev.payload.restart) crash = ev.payload.error;
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // the first consumer group of a new cluster waits for __consumer_offsets (50 partitions) to be created and loaded
      const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of ${messages} canary messages within 180 s${crash ? ` (consumer stopped: ${crash.message})` : ''}`)), 180_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.add(message.value?.toString() ?? '');
          if (values.every((v) => seen.has(v))) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    consumed = seen.size;
    return { topic, produced: messages, consumed, ms: Date.now() - t0 };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
