/**
 * A fake Kafka node on loopback for the wire client's unit tests: parses request headers,
 * answers ApiVersions from a version table and every other request with the handler's body
 * (no body: never answers, for request timeouts). Servers are closed after each test.
 */
import net from 'node:net';
import { afterEach } from 'vitest';
import { WireReader, WireWriter } from '../../../../src/roles/kafka/wire/codec.js';
import { API } from '../../../../src/roles/kafka/wire/connection.js';

export type Handler = (apiKey: number, version: number, body: WireReader) => Buffer | undefined;

/** Call once per test file: returns fakeBroker, and closes its servers after each test. */
export function useFakeBrokers(): { fakeBroker: typeof fakeBroker; servers: net.Server[] } {
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  return { fakeBroker, servers };
}

const servers: net.Server[] = [];

/** The first flexible version of each request the client speaks (common/message/*.json). */
const FLEXIBLE_FROM: Record<number, number> = {
  [API.metadata]: 9,
  [API.describeConfigs]: 4,
  [API.describeQuorum]: 0,
  [API.electLeaders]: 2,
  [API.incrementalAlterConfigs]: 1,
  [API.alterPartitionReassignments]: 0,
  [API.listPartitionReassignments]: 0,
  [API.unregisterBroker]: 0,
  [API.addRaftVoter]: 0,
  [API.removeRaftVoter]: 0,
  [API.saslAuthenticate]: 2,
  [API.describeAcls]: 2,
  [API.createAcls]: 2,
  [API.deleteAcls]: 2,
  [API.describeUserScramCredentials]: 0,
  [API.alterUserScramCredentials]: 0,
};

/** A fake Kafka node: parses request headers, answers with the handler's body. */
export async function fakeBroker(versions: Record<number, [number, number]>, handler: Handler): Promise<number> {
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
        const flexible = version >= (FLEXIBLE_FROM[apiKey] ?? Infinity);
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
