/**
 * The wire connection against fake nodes on loopback: version negotiation, request timeouts,
 * connectAny racing endpoints (refused, hung) and naming each failure.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { API, connectAny, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { fetchMetadata } from '../../../../src/roles/kafka/wire/metadata.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker, servers } = useFakeBrokers();

describe('Kafka wire client: connection', () => {
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
