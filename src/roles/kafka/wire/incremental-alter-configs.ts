/**
 * IncrementalAlterConfigs (44, v0-1, flexible from v1): set or delete single config keys of
 * brokers and topics — here the replication throttles of a reassignment
 * (leader/follower.replication.throttled.rate on brokers,
 * leader/follower.replication.throttled.replicas on topics).
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export const RESOURCE = { topic: 2, broker: 4 } as const;
const OP = { set: 0, delete: 1 } as const;

export interface ConfigChange {
  type: 'topic' | 'broker';
  /** topic name, or broker id as text */
  name: string;
  /** key → value to set, or null to delete the key (back to its default) */
  configs: Record<string, string | null>;
}

export function encodeIncrementalAlterConfigs(w: WireWriter, changes: readonly ConfigChange[]): void {
  w.array(changes, (x, c) => {
    x.int8(RESOURCE[c.type]);
    x.string(c.name);
    x.array(Object.entries(c.configs), (y, [key, value]) => {
      y.string(key);
      y.int8(value === null ? OP.delete : OP.set);
      y.nullableString(value);
      y.tags();
    });
    x.tags();
  });
  w.bool(false); // validate only
  w.tags();
}

export function decodeIncrementalAlterConfigs(r: WireReader): { type: number; name: string; errorCode: number; errorMessage: string | null }[] {
  r.int32(); // throttle
  const out = r.array((x) => {
    const errorCode = x.int16();
    const errorMessage = x.nullableString();
    const type = x.int8();
    const name = x.string();
    x.tags();
    return { type, name, errorCode, errorMessage };
  });
  r.tags();
  return out;
}

/** Apply the changes; any resource's error throws (naming the resource). */
export async function incrementalAlterConfigs(c: KafkaWireConnection, changes: readonly ConfigChange[]): Promise<void> {
  if (changes.length === 0) return;
  const v = await c.pickVersion(API.incrementalAlterConfigs, 0, 1, 'IncrementalAlterConfigs');
  const r = await c.send(API.incrementalAlterConfigs, v, v >= 1, (w) => encodeIncrementalAlterConfigs(w, changes));
  const failed = decodeIncrementalAlterConfigs(r).filter((x) => x.errorCode !== 0);
  if (failed.length)
    throw new KafkaWireError(
      `${c.endpoint}: IncrementalAlterConfigs failed: ${failed.map((f) => `${f.type === RESOURCE.broker ? 'broker' : 'topic'} ${f.name}: ${errorName(f.errorCode)}${f.errorMessage ? ` (${f.errorMessage})` : ''}`).join('; ')}`,
      failed[0]!.errorCode,
    );
}
