/**
 * Fetch (v4–v11, answered by Kafka 3.x and 4.x alike): read one partition from a given offset
 * on its leader, with no consumer group — what the verify canary needs to read back what it
 * produced, per partition, without the group join (and its initial-rebalance delay) of a
 * consumer.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { readRecordBatches, type FetchedRecord } from './record-batch.js';
import { errorName, KafkaWireError } from './wire-error.js';

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  offset: number;
  maxBytes?: number;
  maxWaitMs?: number;
}

export interface FetchedPartition {
  highWatermark: number;
  records: FetchedRecord[];
}

export function encodeFetchRequest(w: WireWriter, v: number, q: FetchPartitionRequest): void {
  w.int32(-1); // replica id: a consumer
  w.int32(q.maxWaitMs ?? 500);
  w.int32(1); // min bytes: answer as soon as there is something
  w.int32(q.maxBytes ?? 1 << 20); // max bytes (v3+)
  w.int8(1); // isolation: read committed (v4+)
  if (v >= 7) w.int32(0).int32(-1); // no fetch session (session id 0, epoch -1: full fetch, no session)
  w.array([q.topic], (t, topic) => {
    t.string(topic);
    t.array([q.partition], (p, partition) => {
      p.int32(partition);
      if (v >= 9) p.int32(-1); // current leader epoch: unknown
      p.int64(q.offset);
      if (v >= 5) p.int64(-1); // log start offset (followers only)
      p.int32(q.maxBytes ?? 1 << 20);
    });
  });
  if (v >= 7) w.array([], () => undefined); // forgotten topics
  if (v >= 11) w.string(''); // rack id
}

export function decodeFetchResponse(r: WireReader, v: number, q: FetchPartitionRequest): FetchedPartition {
  r.int32(); // throttle
  if (v >= 7) {
    const error = r.int16();
    r.int32(); // session id
    if (error !== 0) throw new KafkaWireError(`Fetch failed: ${errorName(error)}`, error);
  }
  let found: FetchedPartition | undefined;
  let partitionError: KafkaWireError | undefined;
  r.array((t) => {
    const topic = t.string();
    t.array((p) => {
      const partition = p.int32();
      const error = p.int16();
      const highWatermark = p.int64();
      p.int64(); // last stable offset
      if (v >= 5) p.int64(); // log start offset
      p.nullableArray((a) => [a.int64(), a.int64()]); // aborted transactions
      if (v >= 11) p.int32(); // preferred read replica
      const records = p.nullableBytes();
      if (topic !== q.topic || partition !== q.partition) return;
      if (error !== 0) partitionError = new KafkaWireError(`Fetch ${topic}-${partition}: ${errorName(error)}`, error);
      else found = { highWatermark, records: records ? readRecordBatches(records) : [] };
    });
  });
  if (partitionError) throw partitionError;
  if (!found) throw new KafkaWireError(`Fetch: no answer for ${q.topic}-${q.partition}`);
  return found;
}

/** One partition from `offset`, asked of the connection's broker (which must be its leader). */
export async function fetchPartition(c: KafkaWireConnection, q: FetchPartitionRequest): Promise<FetchedPartition> {
  const v = await c.pickVersion(API.fetch, 4, 11, 'Fetch');
  const r = await c.send(API.fetch, v, false, (w) => encodeFetchRequest(w, v, q));
  return decodeFetchResponse(r, v, q);
}
