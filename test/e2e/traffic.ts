/**
 * Live traffic for the "nothing is lost" proofs: a Kafka producer writing acks=all to a topic with
 * RF 3 and min ISR 2 while a change runs, then every acknowledged message consumed back; and a
 * ZooKeeper client reading a znode throughout, with the longest gap between good answers.
 * Independent of zkk's own checks: kafkajs and node-zookeeper-client talk to the services.
 *
 *   const p = await startProducer(brokers, 'e2e-roll');   // creates the topic (RF 3, min ISR 2)
 *   … the change …
 *   const proof = await p.stopAndConsume();               // { acked, failed, lost }
 *   expect(proof.lost).toEqual([]);
 */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import zookeeper from 'node-zookeeper-client';
import { sleep } from './helpers.js';

export interface ProducerProof {
  /** acknowledged (acks=all) message values, in order */
  acked: string[];
  /** sends that failed (the loop goes on, as an application would) */
  failed: number;
  /** acknowledged values not found when consuming everything back */
  lost: string[];
}

export interface RunningProducer {
  /** messages acknowledged so far */
  readonly ackedCount: number;
  /** stop producing, consume the topic from the beginning, and compare */
  stopAndConsume(opts?: { timeoutMs?: number }): Promise<ProducerProof>;
}

export async function startProducer(
  brokers: string[],
  topic: string,
  opts: { partitions?: number; intervalMs?: number; client?: Pick<KafkaConfig, 'ssl' | 'sasl'> } = {},
): Promise<RunningProducer> {
  // a secured cluster: the client's TLS and SASL settings (the producer and the consumer use them both)
  const kafka = new Kafka({ clientId: `e2e-${topic}`, brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 }, ...opts.client });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: opts.partitions ?? 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
      waitForLeaders: false,
    });
    // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION from a broker whose metadata does
    // not hold the new topic yet (seen in CI): wait here until every partition has a leader, asking again
    const partitions = opts.partitions ?? 3;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const t = await admin.fetchTopicMetadata({ topics: [topic] }).then((m) => m.topics[0], () => undefined);
      if (t && t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0)) break;
      if (Date.now() > deadline) throw new Error(`${topic}: partitions without a leader 60 s after its creation`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const acked: string[] = [];
  let failed = 0;
  let producing = true;
  const loop = (async () => {
    for (let i = 0; producing; i++) {
      try {
        await producer.send({ topic, acks: -1, messages: [{ key: String(i % 7), value: `m-${i}` }] });
        acked.push(`m-${i}`);
      } catch {
        failed++;
      }
      await sleep(opts.intervalMs ?? 20);
    }
  })();
  return {
    get ackedCount() {
      return acked.length;
    },
    async stopAndConsume({ timeoutMs = 90_000 } = {}) {
      producing = false;
      await loop;
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `${topic}-check-${Date.now()}` });
      await consumer.connect();
      const seen = new Set<string>();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        const want = new Set(acked);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, timeoutMs); // what is missing then is reported as lost
          const done = () => [...want].every((v) => seen.has(v));
          if (done()) {
            clearTimeout(t);
            resolve();
          }
          void consumer.run({
            eachMessage: async ({ message }) => {
              seen.add(message.value!.toString());
              if (done()) {
                clearTimeout(t);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect();
      }
      return { acked: [...acked], failed, lost: acked.filter((v) => !seen.has(v)) };
    },
  };
}

export interface ReaderProof {
  /** good answers (the znode read back with its content) */
  reads: number;
  /** reads that failed (no quorum, connection loss) */
  failures: number;
  /** the longest time between two good answers, ms (from the start to the end of the watch) */
  longestGapMs: number;
}

export interface RunningReader {
  stop(): Promise<ReaderProof>;
}

/** Create `path` with `content` (if absent) and read it every `intervalMs` until stop(). */
export async function startZkReader(servers: string[], path: string, content: string, opts: { intervalMs?: number } = {}): Promise<RunningReader> {
  const client = zookeeper.createClient(servers.join(','), { sessionTimeout: 20_000, spinDelay: 100, retries: 5 });
  await new Promise<void>((res) => {
    client.once('connected', () => res());
    client.connect();
  });
  await new Promise<void>((res, rej) =>
    client.create(path, Buffer.from(content), (e: unknown) => {
      if (!e) return res();
      const code = (e as { getCode?: () => number }).getCode?.();
      return code === zookeeper.Exception.NODE_EXISTS ? res() : rej(new Error(String(e)));
    }),
  );
  let reading = true;
  const start = Date.now();
  let last = start;
  let longestGapMs = 0;
  let reads = 0;
  let failures = 0;
  const loop = (async () => {
    while (reading) {
      await new Promise<void>((res) =>
        client.getData(path, (e: unknown, d?: Buffer) => {
          if (!e && d?.toString() === content) {
            const now = Date.now();
            longestGapMs = Math.max(longestGapMs, now - last);
            last = now;
            reads++;
          } else failures++;
          res();
        }),
      );
      await sleep(opts.intervalMs ?? 50);
    }
  })();
  return {
    async stop() {
      reading = false;
      await loop;
      client.close();
      longestGapMs = Math.max(longestGapMs, Date.now() - last);
      return { reads, failures, longestGapMs };
    },
  };
}
