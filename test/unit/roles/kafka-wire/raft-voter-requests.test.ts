/**
 * AddRaftVoter and RemoveRaftVoter (KIP-853) against a fake controller on loopback: what goes
 * out is decoded field by field (the directory id as 16 bytes from its base64url text, the
 * port as uint16), the idempotent answers (DUPLICATE_VOTER, VOTER_NOT_FOUND) count as done,
 * other errors throw with Kafka's name and message.
 */
import { describe, expect, it } from 'vitest';
import { WireWriter, type WireReader } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { addRaftVoter } from '../../../../src/roles/kafka/wire/add-raft-voter.js';
import { removeRaftVoter } from '../../../../src/roles/kafka/wire/remove-raft-voter.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();
const DIR = 'ILZ5MPTeRWakmJu99uBJCA';
const answer = (code: number, message: string | null = null) => new WireWriter(true).int32(0).int16(code).nullableString(message).tags().bytes();

async function withConn<T>(port: number, fn: (c: KafkaWireConnection) => Promise<T>): Promise<T> {
  const c = await KafkaWireConnection.connect('127.0.0.1', port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

describe('Kafka wire client: AddRaftVoter / RemoveRaftVoter', () => {
  it('AddRaftVoter: cluster id, timeout, id, directory id and listeners as sent; DUPLICATE_VOTER is done; others throw', async () => {
    const seen: unknown[] = [];
    const port = await fakeBroker({ [API.addRaftVoter]: [0, 1] }, (k, v, r: WireReader) => {
      if (k !== API.addRaftVoter || v !== 0) return undefined;
      const clusterId = r.nullableString();
      const timeoutMs = r.int32();
      const id = r.int32();
      const dir = r.uuidText();
      const listeners = r.array((l) => {
        const x = { name: l.string(), host: l.string(), port: l.uint16() };
        l.tags();
        return x;
      });
      r.tags();
      seen.push({ clusterId, timeoutMs, id, dir, listeners, left: r.remaining });
      return id === 4 ? answer(0) : id === 5 ? answer(126, 'already') : answer(7, 'The new voter is not caught up');
    });
    const voter = (nodeId: number) => ({ clusterId: 'abc', nodeId, directoryId: DIR, listeners: [{ name: 'CONTROLLER', host: '10.213.0.14', port: 40_000 }], timeoutMs: 9000 });
    await withConn(port, async (c) => {
      expect(await addRaftVoter(c, voter(4))).toBe('added');
      expect(await addRaftVoter(c, voter(5))).toBe('already a voter');
      await expect(addRaftVoter(c, voter(6))).rejects.toThrow(/AddRaftVoter 6 failed: REQUEST_TIMED_OUT \(The new voter is not caught up\)/);
    });
    expect(seen[0]).toEqual({ clusterId: 'abc', timeoutMs: 9000, id: 4, dir: DIR, listeners: [{ name: 'CONTROLLER', host: '10.213.0.14', port: 40_000 }], left: 0 });
    expect(seen).toHaveLength(3);
  });

  it('RemoveRaftVoter: id and directory id as sent; VOTER_NOT_FOUND is done; others throw', async () => {
    const seen: unknown[] = [];
    const port = await fakeBroker({ [API.removeRaftVoter]: [0, 0] }, (k, _v, r) => {
      if (k !== API.removeRaftVoter) return undefined;
      const clusterId = r.nullableString();
      const id = r.int32();
      const dir = r.uuidText();
      r.tags();
      seen.push({ clusterId, id, dir, left: r.remaining });
      return id === 1 ? answer(0) : id === 2 ? answer(127) : answer(35, "Cluster doesn't support removing voter because the kraft.version feature is 0");
    });
    await withConn(port, async (c) => {
      expect(await removeRaftVoter(c, null, 1, DIR)).toBe('removed');
      expect(await removeRaftVoter(c, null, 2, DIR)).toBe('not a voter');
      await expect(removeRaftVoter(c, null, 3, DIR)).rejects.toThrow(/RemoveRaftVoter 3 failed: UNSUPPORTED_VERSION \(Cluster doesn't support/);
    });
    expect(seen[0]).toEqual({ clusterId: null, id: 1, dir: DIR, left: 0 });
  });

  it('a directory id that is not a Kafka UUID is refused before sending; a node without the API is refused', async () => {
    let sent = 0;
    const port = await fakeBroker({ [API.removeRaftVoter]: [0, 0] }, () => {
      sent++;
      return answer(0);
    });
    await expect(withConn(port, (c) => removeRaftVoter(c, null, 1, 'not-a-uuid'))).rejects.toThrow(/not a Kafka UUID/);
    expect(sent).toBe(0);
    const old = await fakeBroker({ [API.metadata]: [1, 12] }, () => undefined);
    await expect(withConn(old, (c) => addRaftVoter(c, { clusterId: null, nodeId: 1, directoryId: DIR, listeners: [] }))).rejects.toThrow(/does not support AddRaftVoter/);
  });
});
