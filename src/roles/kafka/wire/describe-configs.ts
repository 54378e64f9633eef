/** DescribeConfigs for topics: the effective min.insync.replicas of each. */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';

const TOPIC_RESOURCE = 2;

export function encodeDescribeTopicConfigs(w: WireWriter, version: number, topics: string[], keys: string[]): void {
  w.array(topics, (x, t) => {
    x.int8(TOPIC_RESOURCE);
    x.string(t);
    x.nullableArray(keys, (y, k) => y.string(k));
    x.tags();
  });
  w.bool(false); // include_synonyms
  if (version >= 3) w.bool(false); // include_documentation
  w.tags();
}

export function decodeDescribeConfigsResponse(r: WireReader, version: number): Map<string, Map<string, string | null>> {
  r.int32(); // throttle
  const out = new Map<string, Map<string, string | null>>();
  r.array((res) => {
    const errorCode = res.int16();
    res.nullableString(); // error message
    res.int8(); // resource type
    const name = res.string();
    const configs = res.array((c) => {
      const key = c.string();
      const value = c.nullableString();
      c.bool(); // read only
      if (version >= 1) c.int8(); // source
      c.bool(); // sensitive
      if (version >= 1)
        c.array((s) => {
          s.string();
          s.nullableString();
          s.int8();
          s.tags();
        });
      if (version >= 3) {
        c.int8(); // type
        c.nullableString(); // documentation
      }
      c.tags();
      return [key, value] as const;
    });
    res.tags();
    if (errorCode === 0) out.set(name, new Map(configs));
  });
  r.tags();
  return out;
}

/** Effective min.insync.replicas of each topic (topic override, else the broker default). */
export async function topicMinIsr(c: KafkaWireConnection, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (topics.length === 0) return out;
  const v = await c.pickVersion(API.describeConfigs, 1, 4, 'DescribeConfigs');
  const r = await c.send(API.describeConfigs, v, v >= 4, (w) => encodeDescribeTopicConfigs(w, v, topics, ['min.insync.replicas']));
  for (const [topic, cfg] of decodeDescribeConfigsResponse(r, v)) {
    const n = Number(cfg.get('min.insync.replicas'));
    if (Number.isFinite(n) && n > 0) out.set(topic, n);
  }
  return out;
}
