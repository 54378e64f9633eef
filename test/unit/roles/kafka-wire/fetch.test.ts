/** Fetch (v4–v11) and the record-batch reader against a fake broker on loopback. */
import { describe, expect, it } from 'vitest';
import { WireWriter } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { fetchPartition } from '../../../../src/roles/kafka/wire/fetch.js';
import { readRecordBatches } from '../../../../src/roles/kafka/wire/record-batch.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();

function zigzag(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return Buffer.from(out);
}

/** A magic-2 record batch as a broker stores it (the CRC is not checked by the reader). */
function batch(baseOffset: number, records: { key: string | null; value: string | null }[], attributes = 0): Buffer {
  const body = records.map((r, i) => {
    const key = r.key === null ? zigzag(-1) : Buffer.concat([zigzag(Buffer.byteLength(r.key)), Buffer.from(r.key)]);
    const value = r.value === null ? zigzag(-1) : Buffer.concat([zigzag(Buffer.byteLength(r.value)), Buffer.from(r.value)]);
    const rec = Buffer.concat([Buffer.from([0]), zigzag(i * 3), zigzag(i), key, value, zigzag(0)]);
    return Buffer.concat([zigzag(rec.length), rec]);
  });
  const after = Buffer.alloc(4 + 8 + 8 + 8 + 2 + 4 + 4); // lastOffsetDelta … count
  after.writeInt32BE(records.length - 1, 0);
  after.writeBigInt64BE(1700000000000n, 4);
  after.writeBigInt64BE(1700000000000n, 12);
  after.writeBigInt64BE(-1n, 20);
  after.writeInt16BE(-1, 28);
  after.writeInt32BE(-1, 30);
  after.writeInt32BE(records.length, 34);
  const tail = Buffer.concat([Buffer.from([(attributes >> 8) & 0xff, attributes & 0xff]), after, ...body]);
  const head = Buffer.alloc(8 + 4 + 4 + 1 + 4);
  head.writeBigInt64BE(BigInt(baseOffset), 0);
  head.writeInt32BE(4 + 1 + 4 + tail.length, 8); // from the partition leader epoch to the end
  head.writeInt32BE(0, 12);
  head.writeInt8(2, 16);
  return Buffer.concat([head, tail]);
}

describe('Kafka wire client: record batches', () => {
  it('reads offsets, keys and values of consecutive batches; a partial batch at the end is skipped', () => {
    const two = Buffer.concat([batch(40, [{ key: 'a', value: 'one' }, { key: null, value: 'two' }]), batch(42, [{ key: 'c', value: null }])]);
    const partial = batch(43, [{ key: 'd', value: 'cut' }]).subarray(0, 30);
    const got = readRecordBatches(Buffer.concat([two, partial]));
    expect(got.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([[40, 'a', 'one'], [41, null, 'two'], [42, 'c', null]]);
  });
  it('a compressed batch is reported, not misread', () => {
    expect(() => readRecordBatches(batch(0, [{ key: 'a', value: 'b' }], 1))).toThrow(/compressed record batch \(codec 1\)/);
  });
  it('control batches (transaction markers) are not records', () => {
    expect(readRecordBatches(batch(7, [{ key: 'x', value: 'y' }], 0x20))).toEqual([]);
  });
});

describe('Kafka wire client: Fetch', () => {
  it.each([4, 7, 11])('Fetch v%i: one partition from an offset, no consumer group', async (max) => {
    let asked: { topic: string; partition: number; offset: number } | undefined;
    const port = await fakeBroker({ [API.fetch]: [4, max] }, (k, v, body) => {
      if (k !== API.fetch || v !== max) return undefined;
      body.int32(); // replica
      body.int32(); // max wait
      body.int32(); // min bytes
      body.int32(); // max bytes
      body.int8(); // isolation
      if (v >= 7) {
        expect(body.int32()).toBe(0); // no session
        expect(body.int32()).toBe(-1);
      }
      const [t] = body.array((x) => {
        const topic = x.string();
        const [p] = x.array((y) => {
          const partition = y.int32();
          if (v >= 9) y.int32();
          const offset = y.int64();
          if (v >= 5) y.int64();
          y.int32();
          return { partition, offset };
        });
        return { topic, ...p! };
      });
      asked = t;
      const records = batch(asked!.offset, [{ key: 'k', value: 'canary-1' }, { key: 'k', value: 'canary-2' }]);
      const w = new WireWriter(false).int32(0);
      if (v >= 7) w.int16(0).int32(0);
      w.array([asked!.topic], (x, topic) => {
        x.string(topic);
        x.array([asked!.partition], (y, partition) => {
          y.int32(partition).int16(0).int64(asked!.offset + 2).int64(asked!.offset + 2);
          if (v >= 5) y.int64(0);
          y.int32(-1); // no aborted transactions
          if (v >= 11) y.int32(-1);
          y.int32(records.length);
        });
      });
      return Buffer.concat([w.bytes(), records]);
    });
    const c = await KafkaWireConnection.connect('127.0.0.1', port);
    try {
      const got = await fetchPartition(c, { topic: 'zkk-canary', partition: 2, offset: 17 });
      expect(asked).toEqual({ topic: 'zkk-canary', partition: 2, offset: 17 });
      expect(got.highWatermark).toBe(19);
      expect(got.records.map((r) => [r.offset, r.value?.toString()])).toEqual([[17, 'canary-1'], [18, 'canary-2']]);
    } finally {
      c.close();
    }
  });
  it('a partition error is an error with its name', async () => {
    const port = await fakeBroker({ [API.fetch]: [4, 11] }, (k) => {
      if (k !== API.fetch) return undefined;
      const w = new WireWriter(false).int32(0).int16(0).int32(0);
      w.array(['t'], (x, topic) => {
        x.string(topic);
        x.array([0], (y, p) => y.int32(p).int16(6).int64(-1).int64(-1).int64(-1).int32(-1).int32(-1).int32(-1));
      });
      return w.bytes();
    });
    const c = await KafkaWireConnection.connect('127.0.0.1', port);
    try {
      await expect(fetchPartition(c, { topic: 't', partition: 0, offset: 0 })).rejects.toThrow(/Fetch t-0: NOT_LEADER_OR_FOLLOWER/);
    } finally {
      c.close();
    }
  });
});
