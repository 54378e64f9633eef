/**
 * The requests a rebalance and a decommission send, against a fake broker on loopback:
 * AlterPartitionReassignments, ListPartitionReassignments, IncrementalAlterConfigs,
 * ElectLeaders and UnregisterBroker — what goes out is decoded here field by field, and the
 * answers' errors come back as data or as exceptions as each call documents.
 */
import { describe, expect, it } from 'vitest';
import { WireWriter, type WireReader } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { alterPartitionReassignments } from '../../../../src/roles/kafka/wire/alter-partition-reassignments.js';
import { listPartitionReassignments } from '../../../../src/roles/kafka/wire/list-partition-reassignments.js';
import { incrementalAlterConfigs } from '../../../../src/roles/kafka/wire/incremental-alter-configs.js';
import { electPreferredLeaders } from '../../../../src/roles/kafka/wire/elect-leaders.js';
import { unregisterBroker } from '../../../../src/roles/kafka/wire/unregister-broker.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();
const int32s = (x: WireReader) => x.int32();

async function withConn<T>(port: number, fn: (c: KafkaWireConnection) => Promise<T>): Promise<T> {
  const c = await KafkaWireConnection.connect('127.0.0.1', port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

describe('Kafka wire client: reassignment, throttles, elections, unregister', () => {
  it('AlterPartitionReassignments: topics grouped, null cancels, partition errors returned', async () => {
    let seen: unknown;
    const port = await fakeBroker({ [API.alterPartitionReassignments]: [0, 0] }, (k, _v, r) => {
      if (k !== API.alterPartitionReassignments) return undefined;
      const timeout = r.int32();
      const topics = r.array((t) => {
        const name = t.string();
        const parts = t.array((p) => {
          const x = { partition: p.int32(), replicas: p.nullableArray(int32s) };
          p.tags();
          return x;
        });
        t.tags();
        return { name, parts };
      });
      r.tags();
      seen = { timeout, topics, left: r.remaining };
      const w = new WireWriter(true).int32(0).int16(0).nullableString(null);
      w.array(['a', 'b'], (x, name) => {
        x.string(name);
        x.array(name === 'a' ? [0, 1] : [0], (y, p) => {
          y.int32(p).int16(name === 'b' ? 39 : 0).nullableString(name === 'b' ? 'bad replicas' : null).tags();
        });
        x.tags();
      });
      return w.tags().bytes();
    });
    const res = await withConn(port, (c) =>
      alterPartitionReassignments(c, [
        { topic: 'a', partition: 0, replicas: [2, 3, 4] },
        { topic: 'b', partition: 0, replicas: [9] },
        { topic: 'a', partition: 1, replicas: null },
      ], 12_000),
    );
    expect(seen).toEqual({
      timeout: 12_000,
      topics: [
        { name: 'a', parts: [{ partition: 0, replicas: [2, 3, 4] }, { partition: 1, replicas: null }] },
        { name: 'b', parts: [{ partition: 0, replicas: [9] }] },
      ],
      left: 0,
    });
    expect(res.filter((p) => p.errorCode !== 0)).toEqual([{ topic: 'b', partition: 0, errorCode: 39, errorMessage: 'bad replicas' }]);
  });

  it('AlterPartitionReassignments: a top-level error (NOT_CONTROLLER) throws with its code', async () => {
    const port = await fakeBroker({ [API.alterPartitionReassignments]: [0, 0] }, (k) =>
      k === API.alterPartitionReassignments ? new WireWriter(true).int32(0).int16(41).nullableString('not the controller').array([], () => undefined).tags().bytes() : undefined,
    );
    await expect(withConn(port, (c) => alterPartitionReassignments(c, [{ topic: 'a', partition: 0, replicas: [1] }]))).rejects.toMatchObject({
      errorCode: 41,
      message: expect.stringMatching(/NOT_CONTROLLER \(not the controller\)/),
    });
  });

  it('ListPartitionReassignments: asks for every topic, decodes replicas being added and removed', async () => {
    let asked: unknown;
    const port = await fakeBroker({ [API.listPartitionReassignments]: [0, 0] }, (k, _v, r) => {
      if (k !== API.listPartitionReassignments) return undefined;
      asked = { timeout: r.int32(), topics: r.nullableArray(() => 0) };
      r.tags();
      const w = new WireWriter(true).int32(0).int16(0).nullableString(null);
      w.array(['t'], (x, name) => {
        x.string(name);
        x.array([3], (y, p) => {
          y.int32(p).array([1, 2, 3, 4], (z, id) => z.int32(id)).array([4], (z, id) => z.int32(id)).array([1], (z, id) => z.int32(id)).tags();
        });
        x.tags();
      });
      return w.tags().bytes();
    });
    expect(await withConn(port, (c) => listPartitionReassignments(c, 5000))).toEqual([{ topic: 't', partition: 3, replicas: [1, 2, 3, 4], adding: [4], removing: [1] }]);
    expect(asked).toEqual({ timeout: 5000, topics: null });
  });

  for (const version of [0, 1]) {
    it(`IncrementalAlterConfigs v${version}: set and delete per resource; a failing resource throws naming it`, async () => {
      const requests: unknown[] = [];
      const port = await fakeBroker({ [API.incrementalAlterConfigs]: [0, version] }, (k, v, r) => {
        if (k !== API.incrementalAlterConfigs) return undefined;
        const resources = r.array((x) => {
          const type = x.int8();
          const name = x.string();
          const configs = x.array((y) => {
            const c = { key: y.string(), op: y.int8(), value: y.nullableString() };
            y.tags();
            return c;
          });
          x.tags();
          return { type, name, configs };
        });
        const validateOnly = r.bool();
        r.tags();
        requests.push({ v, resources, validateOnly, left: r.remaining });
        const w = new WireWriter(v >= 1).int32(0);
        w.array(resources, (x, res) => {
          const bad = res.name === 'nope';
          x.int16(bad ? 3 : 0).nullableString(bad ? 'no such topic' : null).int8(res.type).string(res.name).tags();
        });
        return w.tags().bytes();
      });
      await withConn(port, async (c) => {
        await incrementalAlterConfigs(c, [
          { type: 'broker', name: '4', configs: { 'leader.replication.throttled.rate': '1048576', 'follower.replication.throttled.rate': null } },
          { type: 'topic', name: 't', configs: { 'leader.replication.throttled.replicas': '*' } },
        ]);
        await expect(incrementalAlterConfigs(c, [{ type: 'topic', name: 'nope', configs: { x: null } }])).rejects.toThrow(/topic nope: UNKNOWN_TOPIC_OR_PARTITION \(no such topic\)/);
      });
      expect(requests[0]).toEqual({
        v: version,
        resources: [
          { type: 4, name: '4', configs: [{ key: 'leader.replication.throttled.rate', op: 0, value: '1048576' }, { key: 'follower.replication.throttled.rate', op: 1, value: null }] },
          { type: 2, name: 't', configs: [{ key: 'leader.replication.throttled.replicas', op: 0, value: '*' }] },
        ],
        validateOnly: false,
        left: 0,
      });
    });
  }

  for (const version of [0, 1, 2]) {
    it(`ElectLeaders v${version}: preferred election; ELECTION_NOT_NEEDED is success, other errors returned`, async () => {
      let asked: unknown;
      const port = await fakeBroker({ [API.electLeaders]: [0, version] }, (k, v, r) => {
        if (k !== API.electLeaders) return undefined;
        const type = v >= 1 ? r.int8() : undefined;
        const topics = r.array((t) => {
          const x = { topic: t.string(), partitions: t.array(int32s) };
          t.tags();
          return x;
        });
        const timeout = r.int32();
        r.tags();
        asked = { type, topics, timeout, left: r.remaining };
        const w = new WireWriter(v >= 2).int32(0);
        if (v >= 1) w.int16(0);
        w.array(topics, (x, t) => {
          x.string(t.topic);
          x.array(t.partitions, (y, p) => y.int32(p).int16(p === 0 ? 84 : p === 1 ? 0 : 80).nullableString(p === 2 ? 'not alive' : null).tags());
          x.tags();
        });
        return w.tags().bytes();
      });
      const failed = await withConn(port, (c) => electPreferredLeaders(c, [0, 1, 2].map((partition) => ({ topic: 't', partition })), 7000));
      expect(failed).toEqual([{ topic: 't', partition: 2, errorCode: 80, errorMessage: 'not alive' }]);
      expect(asked).toEqual({ type: version >= 1 ? 0 : undefined, topics: [{ topic: 't', partitions: [0, 1, 2] }], timeout: 7000, left: 0 });
    });
  }

  it('UnregisterBroker: sends the id; not registered counts as done; other errors throw', async () => {
    const ids: number[] = [];
    const port = await fakeBroker({ [API.unregisterBroker]: [0, 0] }, (k, _v, r) => {
      if (k !== API.unregisterBroker) return undefined;
      const id = r.int32();
      r.tags();
      ids.push(id);
      const code = id === 4 ? 0 : id === 5 ? 102 : 31;
      return new WireWriter(true).int32(0).int16(code).nullableString(code === 31 ? 'denied' : null).tags().bytes();
    });
    await withConn(port, async (c) => {
      expect(await unregisterBroker(c, 4)).toBe('unregistered');
      expect(await unregisterBroker(c, 5)).toBe('not registered');
      await expect(unregisterBroker(c, 6)).rejects.toThrow(/UnregisterBroker 6 failed: CLUSTER_AUTHORIZATION_FAILED \(denied\)/);
    });
    expect(ids).toEqual([4, 5, 6]);
  });

  it('a broker without UnregisterBroker (ZooKeeper mode) is refused before sending', async () => {
    const port = await fakeBroker({ [API.metadata]: [1, 12] }, () => undefined);
    await expect(withConn(port, (c) => unregisterBroker(c, 4))).rejects.toThrow(/does not support UnregisterBroker/);
  });
});
