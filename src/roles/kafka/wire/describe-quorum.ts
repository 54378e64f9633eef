/**
 * DescribeQuorum: the KRaft quorum's leader, epoch, high watermark and every voter's and
 * observer's progress (kafkajs has no such call; kafka-metadata-quorum.sh starts a JVM).
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, KafkaWireConnection, type WireOptions } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export interface QuorumReplica {
  nodeId: number;
  /** v2+: the replica's metadata log directory id (base64url, as meta.properties' directory.id); '' before v2. */
  directoryId: string;
  logEndOffset: number;
  /** Leader wall clock of the last fetch (-1: unknown or the leader itself); v1+. */
  lastFetchTimestamp: number;
  /** Leader wall clock of the offset the replica last caught up to (the leader: now); v1+. */
  lastCaughtUpTimestamp: number;
}

export interface QuorumDescription {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplica[];
  observers: QuorumReplica[];
  /** v2+: controller listeners by node id. */
  nodes: Map<number, { host: string; port: number }[]>;
}

export const METADATA_TOPIC = '__cluster_metadata';

export function encodeDescribeQuorumRequest(w: WireWriter): void {
  w.array([METADATA_TOPIC], (x, t) => {
    x.string(t);
    x.array([0], (y, p) => {
      y.int32(p);
      y.tags();
    });
    x.tags();
  });
  w.tags();
}

export function decodeDescribeQuorumResponse(r: WireReader, version: number): QuorumDescription {
  const replica = (x: WireReader): QuorumReplica => {
    const nodeId = x.int32();
    const directoryId = version >= 2 ? x.uuidText() : '';
    const logEndOffset = x.int64();
    const lastFetchTimestamp = version >= 1 ? x.int64() : -1;
    const lastCaughtUpTimestamp = version >= 1 ? x.int64() : -1;
    x.tags();
    return { nodeId, directoryId, logEndOffset, lastFetchTimestamp, lastCaughtUpTimestamp };
  };
  const error = r.int16();
  const message = version >= 2 ? r.nullableString() : null;
  if (error !== 0) throw new KafkaWireError(`DescribeQuorum failed: ${errorName(error)}${message ? ` (${message})` : ''}`, error);
  let found: Omit<QuorumDescription, 'nodes'> | undefined;
  let partitionError: KafkaWireError | undefined;
  r.array((t) => {
    const topic = t.string();
    t.array((p) => {
      const index = p.int32();
      const err = p.int16();
      const msg = version >= 2 ? p.nullableString() : null;
      const leaderId = p.int32();
      const leaderEpoch = p.int32();
      const highWatermark = p.int64();
      const voters = p.array(replica);
      const observers = p.array(replica);
      p.tags();
      if (topic === METADATA_TOPIC && index === 0) {
        if (err !== 0) partitionError = new KafkaWireError(`DescribeQuorum: ${errorName(err)}${msg ? ` (${msg})` : ''}`, err);
        else found = { leaderId, leaderEpoch, highWatermark, voters, observers };
      }
    });
    t.tags();
  });
  const nodes = new Map<number, { host: string; port: number }[]>();
  if (version >= 2)
    r.array((n) => {
      const id = n.int32();
      const listeners = n.array((l) => {
        l.string(); // listener name
        const host = l.string();
        const port = l.uint16();
        l.tags();
        return { host, port };
      });
      n.tags();
      nodes.set(id, listeners);
    });
  r.tags();
  if (partitionError) throw partitionError;
  if (!found) throw new KafkaWireError(`DescribeQuorum: no answer for ${METADATA_TOPIC}-0`);
  return { ...found, nodes };
}

export async function describeQuorum(c: KafkaWireConnection): Promise<QuorumDescription> {
  const v = await c.pickVersion(API.describeQuorum, 0, 2, 'DescribeQuorum');
  const r = await c.send(API.describeQuorum, v, true, (w) => encodeDescribeQuorumRequest(w));
  return decodeDescribeQuorumResponse(r, v);
}

const NOT_LEADER_OR_FOLLOWER = 6;

/**
 * DescribeQuorum asked of the controllers themselves. Only the quorum's leader answers it (a
 * broker forwards it there; a follower controller says NOT_LEADER_OR_FOLLOWER), so every
 * controller is asked and the leader's answer kept, with the connection to it.
 */
export async function describeQuorumViaControllers(
  endpoints: { host: string; port: number }[],
  options: WireOptions = {},
): Promise<{ conn: KafkaWireConnection; quorum: QuorumDescription }> {
  if (endpoints.length === 0) throw new Error('no controller endpoints');
  const errors: string[] = [];
  const attempts = endpoints.map(async (e) => {
    const c = await KafkaWireConnection.connect(e.host, e.port, options);
    try {
      await c.apiVersions();
      return { conn: c, quorum: await describeQuorum(c) };
    } catch (err) {
      c.close();
      throw err;
    }
  });
  const settled = await Promise.allSettled(attempts);
  let leader: { conn: KafkaWireConnection; quorum: QuorumDescription } | undefined;
  for (const [i, s] of settled.entries()) {
    if (s.status === 'fulfilled') {
      if (!leader) leader = s.value;
      else s.value.conn.close();
    } else {
      const err = s.reason as Error;
      const e = endpoints[i]!;
      if (!(err instanceof KafkaWireError && err.errorCode === NOT_LEADER_OR_FOLLOWER)) errors.push(`${e.host}:${e.port}: ${err.message}`);
    }
  }
  if (leader) return leader;
  throw new Error(errors.length ? errors.join('; ') : 'no controller is the quorum leader (an election in progress?)');
}
