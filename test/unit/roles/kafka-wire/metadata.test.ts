/**
 * Metadata against a fake broker on loopback: every version branch zkk speaks, partition
 * errors (which kafkajs would throw on) counted as data.
 */
import { describe, expect, it } from 'vitest';
import { WireWriter } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { fetchMetadata } from '../../../../src/roles/kafka/wire/metadata.js';
import { countPartitionHealth } from '../../../../src/roles/kafka/partition-health.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();

/** Metadata response body as a broker of that version writes it. */
function metadataBody(v: number): Buffer {
  const w = new WireWriter(v >= 9);
  if (v >= 3) w.int32(0);
  w.array([1, 2, 3], (x, id) => {
    x.int32(id).string(`10.213.0.${10 + id}`).int32(9092);
    if (v >= 1) x.nullableString(null); // rack
    x.tags();
  });
  if (v >= 2) w.string('clusterABC');
  if (v >= 1) w.int32(2);
  const topics = [
    { name: 'ok', parts: [{ err: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] }] },
    { name: 'urp', parts: [{ err: 0, leader: 2, replicas: [1, 2, 3], isr: [2] }] },
    { name: 'offline', parts: [{ err: 5, leader: -1, replicas: [3], isr: [] }] },
  ];
  w.array(topics, (x, t) => {
    x.int16(0).string(t.name);
    if (v >= 10) x.int32(0).int32(0).int32(0).int32(7); // topic id (uuid)
    if (v >= 1) x.bool(false);
    x.array(t.parts, (y, p) => {
      y.int16(p.err).int32(0).int32(p.leader);
      if (v >= 7) y.int32(4);
      y.array(p.replicas, (z, n) => z.int32(n));
      y.array(p.isr, (z, n) => z.int32(n));
      if (v >= 5) y.array([] as number[], (z, n) => z.int32(n));
      y.tags();
    });
    if (v >= 8) x.int32(-2147483648);
    x.tags();
  });
  if (v >= 8 && v <= 10) w.int32(-2147483648);
  w.tags();
  return w.bytes();
}

describe('Kafka wire client: Metadata', () => {
  it.each([4, 7, 9, 12])('Metadata v%i: brokers, controller, partition errors as data', async (max) => {
    const port = await fakeBroker({ [API.metadata]: [0, max] }, (k, v) => (k === API.metadata && v === max ? metadataBody(v) : undefined));
    const c = await KafkaWireConnection.connect('127.0.0.1', port);
    try {
      const md = await fetchMetadata(c);
      expect(md.brokers.map((b) => b.nodeId)).toEqual([1, 2, 3]);
      expect(md.controllerId).toBe(2);
      expect(md.clusterId).toBe('clusterABC');
      expect(md.topics.map((t) => t.name)).toEqual(['ok', 'urp', 'offline']);
      const h = countPartitionHealth(
        md.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ leader: p.errorCode === 5 ? -1 : p.leader, replicas: p.replicas, isr: p.isr })) })),
        2,
      );
      expect(h).toEqual({ partitions: 3, underReplicated: 2, offline: 1, underMinIsr: 2 });
    } finally {
      c.close();
    }
  });
});
