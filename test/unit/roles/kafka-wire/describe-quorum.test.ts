/** DescribeQuorum (KRaft) against a fake controller on loopback, v0 to v2. */
import { describe, expect, it } from 'vitest';
import { WireWriter } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { describeQuorum, describeQuorumViaControllers } from '../../../../src/roles/kafka/wire/describe-quorum.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();

function quorumBody(v: number, leaderId = 1, partitionError = 0): Buffer {
  const w = new WireWriter(true).int16(0);
  if (v >= 2) w.nullableString(null);
  const replica = (x: WireWriter, r: { id: number; leo: number; caught: number }) => {
    x.int32(r.id);
    if (v >= 2) x.int32(0).int32(0).int32(0).int32(r.id);
    x.int32(0).int32(r.leo); // int64 as two int32 halves
    if (v >= 1) x.int32(0).int32(r.caught).int32(0).int32(r.caught);
    x.tags();
  };
  w.array(['__cluster_metadata'], (x, t) => {
    x.string(t);
    x.array([0], (y, idx) => {
      y.int32(idx).int16(partitionError);
      if (v >= 2) y.nullableString(null);
      y.int32(leaderId).int32(5).int32(0).int32(120);
      y.array([{ id: 1, leo: 120, caught: 50_000 }, { id: 2, leo: 120, caught: 49_900 }, { id: 3, leo: 100, caught: 30_000 }], replica);
      y.array([{ id: 4, leo: 119, caught: 49_000 }], replica);
      y.tags();
    });
    x.tags();
  });
  if (v >= 2)
    w.array([1, 2, 3], (x, id) => {
      x.int32(id);
      x.array(['CONTROLLER'], (y, name) => {
        y.string(name).string(`10.213.0.${10 + id}`);
        const b = Buffer.alloc(2);
        b.writeUInt16BE(9093);
        y.int8(b[0]! << 24 >> 24).int8(b[1]! << 24 >> 24);
        y.tags();
      });
      x.tags();
    });
  w.tags();
  return w.bytes();
}

describe('Kafka wire client: DescribeQuorum', () => {
  it.each([0, 1, 2])('DescribeQuorum v%i', async (max) => {
    const port = await fakeBroker({ [API.describeQuorum]: [0, max] }, (k, v, body) => {
      if (k !== API.describeQuorum || v !== max) return undefined;
      const topics = body.array((t) => {
        const name = t.string();
        t.array((p) => {
          const i = p.int32();
          p.tags();
          return i;
        });
        t.tags();
        return name;
      });
      return topics[0] === '__cluster_metadata' ? quorumBody(v) : undefined;
    });
    const c = await KafkaWireConnection.connect('127.0.0.1', port);
    try {
      const q = await describeQuorum(c);
      expect(q).toMatchObject({ leaderId: 1, leaderEpoch: 5, highWatermark: 120 });
      expect(q.voters.map((v) => [v.nodeId, v.logEndOffset])).toEqual([[1, 120], [2, 120], [3, 100]]);
      expect(q.observers.map((v) => v.nodeId)).toEqual([4]);
      expect(q.voters[2]!.lastCaughtUpTimestamp).toBe(max >= 1 ? 30_000 : -1);
      if (max >= 2) expect(q.nodes.get(2)).toEqual([{ host: '10.213.0.12', port: 9093 }]);
      // the directory id in the text form meta.properties holds (v2+)
      expect(q.voters[1]!.directoryId).toBe(max >= 2 ? Buffer.from('00000000000000000000000000000002', 'hex').toString('base64url') : '');
    } finally {
      c.close();
    }
  });

  it('via the controllers: only the leader answers; followers (NOT_LEADER_OR_FOLLOWER) are passed over', async () => {
    const controller = (leader: boolean) =>
      fakeBroker({ [API.describeQuorum]: [0, 2] }, (k, v) => (k === API.describeQuorum ? quorumBody(v, 3, leader ? 0 : 6) : undefined));
    const ports = [await controller(false), await controller(false), await controller(true)];
    const { conn, quorum } = await describeQuorumViaControllers(ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      expect(conn.endpoint).toBe(`127.0.0.1:${ports[2]}`);
      expect(quorum.leaderId).toBe(3);
    } finally {
      conn.close();
    }
    const followersOnly = [await controller(false), await controller(false)];
    await expect(describeQuorumViaControllers(followersOnly.map((port) => ({ host: '127.0.0.1', port })))).rejects.toThrow(/no controller is the quorum leader/);
  });
});

describe('the quorum from DescribeQuorum (verify and the roll)', () => {
  it('leader, sorted voters and the largest lag behind the leader', async () => {
    const { quorumFromWire } = await import('../../../../src/roles/kafka/quorum.js');
    const r = (nodeId: number, logEndOffset: number) => ({ nodeId, logEndOffset, lastFetchTimestamp: -1, lastCaughtUpTimestamp: -1 });
    const q = quorumFromWire({ leaderId: 2, leaderEpoch: 3, highWatermark: 100, voters: [r(3, 90), r(2, 100), r(1, 100)], observers: [r(4, 10)], nodes: new Map() }, 'via broker x');
    expect(q).toMatchObject({ leaderId: 2, voters: [1, 2, 3], maxFollowerLag: 10, via: 'via broker x' });
  });
});
