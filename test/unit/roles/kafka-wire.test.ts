/**
 * The status wire client against a fake broker on loopback: framing, version negotiation,
 * versioned decoding (including partition errors kafkajs would throw on), DescribeQuorum.
 * test/fixtures/kafka-wire/*.hex hold answers captured from the lab's real 3.9.2 and 4.4.0
 * brokers, decoded below too.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  API,
  connectAny,
  decodeDescribeQuorumResponse,
  decodeMetadataResponse,
  describeQuorum,
  fetchMetadata,
  KafkaWireConnection,
  topicMinIsr,
  WireReader,
  WireWriter,
} from '../../../src/roles/kafka/wire.js';
import { countPartitionHealth } from '../../../src/roles/kafka/partition-health.js';

type Handler = (apiKey: number, version: number, body: WireReader) => Buffer | undefined;

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A fake Kafka node: parses request headers, answers with the handler's body. */
async function fakeBroker(versions: Record<number, [number, number]>, handler: Handler): Promise<number> {
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
        buf = buf.subarray(4 + frame.length);
        const r = new WireReader(frame);
        const apiKey = r.int16();
        const version = r.int16();
        const id = r.int32();
        r.string(); // client id (int16 length, also in header v2)
        const flexible = (apiKey === API.describeQuorum) || (apiKey === API.metadata && version >= 9) || (apiKey === API.describeConfigs && version >= 4);
        if (flexible) {
          r.flexible = true;
          r.tags();
        }
        r.flexible = flexible;
        let body: Buffer | undefined;
        if (apiKey === API.apiVersions) {
          const w = new WireWriter(false).int16(0);
          w.array(Object.entries(versions), (x, [k, [lo, hi]]) => x.int16(Number(k)).int16(lo).int16(hi));
          body = w.bytes();
        } else body = handler(apiKey, version, r);
        if (!body) continue; // never answer: request timeout
        const head = new WireWriter(false).int32(id);
        if (flexible) head.uvarint(0);
        const payload = Buffer.concat([head.bytes(), body]);
        const size = Buffer.alloc(4);
        size.writeInt32BE(payload.length);
        sock.write(Buffer.concat([size, payload]));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

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

function quorumBody(v: number, leaderId = 1): Buffer {
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
      y.int32(idx).int16(0);
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

describe('Kafka wire client', () => {
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
    } finally {
      c.close();
    }
  });

  it('DescribeConfigs: effective min.insync.replicas per topic', async () => {
    const port = await fakeBroker({ [API.describeConfigs]: [1, 4] }, (k, v) => {
      if (k !== API.describeConfigs) return undefined;
      const w = new WireWriter(v >= 4).int32(0);
      w.array(['urp', 'gone'], (x, name) => {
        x.int16(name === 'gone' ? 3 : 0).nullableString(null).int8(2).string(name);
        x.array(name === 'gone' ? [] : ['min.insync.replicas'], (y, key) => {
          y.string(key).string('3').bool(false).int8(1).bool(false);
          y.array([] as string[], () => undefined);
          if (v >= 3) y.int8(3).nullableString(null);
          y.tags();
        });
        x.tags();
      });
      w.tags();
      return w.bytes();
    });
    const c = await KafkaWireConnection.connect('127.0.0.1', port);
    try {
      expect(await topicMinIsr(c, ['urp', 'gone'])).toEqual(new Map([['urp', 3]]));
    } finally {
      c.close();
    }
  });

  it('a version range zkk does not speak is refused with a clear error', async () => {
    const port = await fakeBroker({ [API.metadata]: [13, 14] }, () => undefined);
    const c = await KafkaWireConnection.connect('127.0.0.1', port);
    try {
      await expect(fetchMetadata(c)).rejects.toThrow(/supports Metadata v13-14; zkk speaks v1-12/);
    } finally {
      c.close();
    }
  });

  it('no answer within the request timeout', async () => {
    const port = await fakeBroker({ [API.metadata]: [0, 12] }, () => undefined);
    const c = await KafkaWireConnection.connect('127.0.0.1', port, { requestTimeoutMs: 200 });
    try {
      await expect(fetchMetadata(c)).rejects.toThrow(/no answer to request 3 within 200 ms/);
    } finally {
      c.close();
    }
  });

  it('connectAny takes whichever endpoint accepts; all failing names each', async () => {
    const port = await fakeBroker({}, () => undefined);
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const c = await connectAny([{ host: '127.0.0.1', port: closed }, { host: '127.0.0.1', port }]);
    expect(c.endpoint).toBe(`127.0.0.1:${port}`);
    c.close();
    await expect(connectAny([{ host: '127.0.0.1', port: closed }])).rejects.toThrow(new RegExp(`127.0.0.1:${closed}: ECONNREFUSED`));
  });
});

// Answers captured from real brokers on the lab (see test/fixtures/kafka-wire/README).
const CAPTURED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/kafka-wire');
const captured = existsSync(CAPTURED) ? readdirSync(CAPTURED).filter((f) => f.endsWith('.hex')) : [];

describe.runIf(captured.length > 0)('captured broker answers', () => {
  it.each(captured)('%s decodes', (file) => {
    const m = /^(\d+\.\d+\.\d+)-(metadata|describe-quorum)-v(\d+)\.hex$/.exec(file);
    expect(m, file).not.toBeNull();
    const [, , api, vs] = m!;
    const v = Number(vs);
    const r = new WireReader(Buffer.from(readFileSync(path.join(CAPTURED, file), 'utf8').trim(), 'hex'), api === 'describe-quorum' || v >= 9);
    if (api === 'metadata') {
      const md = decodeMetadataResponse(r, v);
      expect(md.brokers.length).toBe(3);
      expect(md.topics.length).toBeGreaterThan(0);
    } else {
      const q = decodeDescribeQuorumResponse(r, v);
      expect(q.leaderId).toBeGreaterThan(0);
      expect(q.voters.map((x) => x.nodeId).sort()).toEqual([1, 2, 3]);
    }
    expect(r.remaining).toBe(0);
  });
});

describe('connectAny and hung nodes', () => {
  it('a node that accepts but never answers loses to one that answers', async () => {
    const hung = net.createServer(() => undefined); // accepts, says nothing
    servers.push(hung);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const hungPort = (hung.address() as net.AddressInfo).port;
    const port = await fakeBroker({ [API.metadata]: [0, 12] }, () => undefined);
    const c = await connectAny([{ host: '127.0.0.1', port: hungPort }, { host: '127.0.0.1', port }], { requestTimeoutMs: 2000 });
    expect(c.endpoint).toBe(`127.0.0.1:${port}`);
    c.close();
  });
});
