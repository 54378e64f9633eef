/**
 * Reading record batches (magic v2, the only format Kafka 3.x/4.x brokers write for new
 * messages) out of a Fetch answer: offsets, keys and values of uncompressed batches. zkk only
 * reads back what it wrote itself (the verify canary, uncompressed), so a compressed batch is
 * reported, not decoded.
 */
import { WireReader } from './codec.js';

export interface FetchedRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
}

const MAGIC_OFFSET = 16; // baseOffset int64, batchLength int32, partitionLeaderEpoch int32

/** Every record in `records` (a partial batch at the end, which brokers may send, is skipped). */
export function readRecordBatches(records: Buffer): FetchedRecord[] {
  const out: FetchedRecord[] = [];
  let at = 0;
  while (records.length - at >= 12) {
    const batchLength = records.readInt32BE(at + 8);
    const end = at + 12 + batchLength;
    if (end > records.length) break; // partial batch
    const magic = records.readInt8(at + MAGIC_OFFSET);
    if (magic !== 2) throw new Error(`record batch with magic ${magic}: zkk reads only v2 batches`);
    const r = new WireReader(records.subarray(at, end));
    const baseOffset = r.int64();
    r.int32(); // batch length
    r.int32(); // partition leader epoch
    r.int8(); // magic
    r.int32(); // crc (the broker checked it when it accepted the batch)
    const attributes = r.int16();
    if ((attributes & 0x07) !== 0) throw new Error(`compressed record batch (codec ${attributes & 0x07}) at offset ${baseOffset}: not decoded`);
    const isControl = (attributes & 0x20) !== 0;
    r.int32(); // last offset delta
    r.int64(); // base timestamp
    r.int64(); // max timestamp
    r.int64(); // producer id
    r.int16(); // producer epoch
    r.int32(); // base sequence
    const count = r.int32();
    for (let i = 0; i < count; i++) {
      const length = r.varint();
      const rec = new WireReader(r.raw(length));
      rec.int8(); // attributes
      rec.varint(); // timestamp delta
      const offsetDelta = rec.varint();
      const keyLength = rec.varint();
      const key = keyLength < 0 ? null : rec.raw(keyLength);
      const valueLength = rec.varint();
      const value = valueLength < 0 ? null : rec.raw(valueLength);
      // headers follow; the canary writes none and nothing here needs them
      if (!isControl) out.push({ offset: baseOffset + offsetDelta, key, value });
    }
    at = end;
  }
  return out;
}
