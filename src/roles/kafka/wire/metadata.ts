/**
 * Metadata (all topics): brokers, controller, cluster id and every partition's leader,
 * replicas and ISR. Partition errors (LEADER_NOT_AVAILABLE…) are data, not exceptions —
 * the reason this client exists instead of kafkajs' Metadata.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';

export interface MetadataPartition {
  partition: number;
  errorCode: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface MetadataTopic {
  name: string;
  errorCode: number;
  internal: boolean;
  partitions: MetadataPartition[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  /** ZooKeeper mode: the active controller. KRaft: a random live broker (use DescribeQuorum). */
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  topics: MetadataTopic[];
}

export function encodeMetadataRequest(w: WireWriter, version: number): void {
  w.nullableArray(null, () => undefined); // all topics
  if (version >= 4) w.bool(false); // allow_auto_topic_creation
  if (version >= 8 && version <= 10) w.bool(false); // include_cluster_authorized_operations
  if (version >= 8) w.bool(false); // include_topic_authorized_operations
  w.tags();
}

export function decodeMetadataResponse(r: WireReader, version: number): ClusterMetadata {
  if (version >= 3) r.int32(); // throttle
  const brokers = r.array((b) => {
    const nodeId = b.int32();
    const host = b.string();
    const port = b.int32();
    const rack = version >= 1 ? b.nullableString() : null;
    b.tags();
    return { nodeId, host, port, rack };
  });
  const clusterId = version >= 2 ? r.nullableString() : null;
  const controllerId = version >= 1 ? r.int32() : -1;
  const int32s = (x: WireReader) => x.int32();
  const topics = r.array((t) => {
    const errorCode = t.int16();
    const name = t.nullableString() ?? '';
    if (version >= 10) t.uuid();
    const internal = version >= 1 ? t.bool() : false;
    const partitions = t.array((p) => {
      const errorCode = p.int16();
      const partition = p.int32();
      const leader = p.int32();
      if (version >= 7) p.int32(); // leader epoch
      const replicas = p.array(int32s);
      const isr = p.array(int32s);
      const offlineReplicas = version >= 5 ? p.array(int32s) : [];
      p.tags();
      return { partition, errorCode, leader, replicas, isr, offlineReplicas };
    });
    if (version >= 8) t.int32(); // topic authorized operations
    t.tags();
    return { name, errorCode, internal, partitions };
  });
  if (version >= 8 && version <= 10) r.int32(); // cluster authorized operations
  if (version >= 13) r.int16();
  r.tags();
  return { clusterId, controllerId, brokers, topics };
}

export async function fetchMetadata(c: KafkaWireConnection): Promise<ClusterMetadata> {
  const v = await c.pickVersion(API.metadata, 1, 12, 'Metadata');
  const r = await c.send(API.metadata, v, v >= 9, (w) => encodeMetadataRequest(w, v));
  return decodeMetadataResponse(r, v);
}
