/**
 * ZooKeeper with security (security.zookeeper.tls, on by default): zoo.cfg with the TLS client
 * port, the plaintext port on 127.0.0.1 only and sslQuorum; Kafka's ZooKeeper client on the TLS
 * ports over Netty; the firewall opens the TLS port, not the plaintext one; a running plaintext
 * ensemble is not switched; and the TLS bridge zkk's own ZooKeeper sessions go through, against
 * a real TLS server on loopback with certificates made by the real openssl.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/resolve.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { kafkaHosts, renderKafkaFiles } from '../../../src/roles/kafka/config.js';
import { loadClusterTls } from '../../../src/roles/security/certs.js';
import { renderZookeeperFiles, zookeeperConnect, zookeeperHosts, zookeeperPorts } from '../../../src/roles/zookeeper/config.js';
import { zookeeperTlsModeStep } from '../../../src/roles/zookeeper/tls.js';
import { tlsBridge } from '../../../src/roles/zookeeper/zookeeper-client.js';
import { stateOf } from '../../../src/roles/security/cert-report.js';
import { Facts } from '../../../src/facts/gather.js';
import { pathProbe } from '../../../src/facts/probes.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zkk-zktls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inventory = (security = 'security:\n  sasl: { adminPassword: { env: PW } }\n', address = (n: number) => `10.213.0.${n}`): Inventory =>
  parseInventory(
    `cluster: z\nkafka: { version: 3.9.2 }\n${security}hosts:\n` + [11, 12, 13].map((n) => `  - { name: zk${n}, address: ${address(n)}, roles: [zookeeper, kafka] }\n`).join(''),
    path.join(dir, 'z.yml'),
    inventorySections,
  );

describe('ZooKeeper TLS configuration', () => {
  it('zoo.cfg: the TLS client port with client certificates, the plaintext port on 127.0.0.1, sslQuorum with PEM stores', () => {
    const inv = inventory();
    const h = zookeeperHosts(inv)[0]!;
    const cfg = renderZookeeperFiles(inv, h).zooCfg;
    expect(cfg).toContain('clientPort=2181\n');
    expect(cfg).toContain('clientPortAddress=127.0.0.1\nsecureClientPort=2182\nserverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n');
    expect(cfg).toContain('ssl.keyStore.location=/etc/zookeeper/tls/keystore.pem\nssl.keyStore.type=PEM\nssl.trustStore.location=/etc/zookeeper/tls/ca.pem\nssl.trustStore.type=PEM\nssl.clientAuth=need\n');
    expect(cfg).toContain('sslQuorum=true\nssl.quorum.keyStore.location=/etc/zookeeper/tls/keystore.pem\n');
    expect(cfg).toContain('ssl.quorum.hostnameVerification=true');
    expect(zookeeperPorts(h.zookeeper).map((p) => p.port)).toEqual([2182, 2888, 3888]);
    expect(zookeeperConnect(inv, '/kafka')).toBe('10.213.0.11:2182,10.213.0.12:2182,10.213.0.13:2182/kafka');
  });

  it("Kafka's ZooKeeper client: the TLS ports over Netty, the host's PEM keystore, the server's name checked", () => {
    const inv = inventory();
    const f = renderKafkaFiles(inv, kafkaHosts(inv)[0]!, { adminPassword: 'x' }).serverProperties;
    expect(f).toMatch(/^zookeeper\.connect=10\.213\.0\.11:2182,10\.213\.0\.12:2182,10\.213\.0\.13:2182(\/\S*)?$/m);
    expect(f).toContain('zookeeper.ssl.client.enable=true\nzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty\n');
    expect(f).toContain('zookeeper.ssl.keystore.type=PEM\nzookeeper.ssl.keystore.location=/etc/kafka/tls/keystore.pem\nzookeeper.ssl.truststore.type=PEM\nzookeeper.ssl.truststore.location=/etc/kafka/tls/ca.pem\n');
    expect(f).toContain('zookeeper.ssl.endpoint.identification.algorithm=HTTPS');
  });

  it('security.zookeeper.tls: false, or no security: plaintext ZooKeeper as before', () => {
    for (const inv of [inventory('security:\n  sasl: { adminPassword: { env: PW } }\n  zookeeper: { tls: false }\n'), inventory('')]) {
      const h = zookeeperHosts(inv)[0]!;
      const cfg = renderZookeeperFiles(inv, h).zooCfg;
      expect(cfg).not.toMatch(/secureClientPort|sslQuorum|clientPortAddress|ssl\./);
      expect(zookeeperPorts(h.zookeeper).map((p) => p.port)).toEqual([2181, 2888, 3888]);
      expect(renderKafkaFiles(inv, kafkaHosts(inv)[0]!, { adminPassword: 'x' }).serverProperties).not.toContain('zookeeper.ssl');
    }
  });

  it('zookeeper.reconfig with ZooKeeper TLS is refused with the field', () => {
    expect(() => inventory('zookeeper: { reconfig: true }\nsecurity:\n  sasl: { adminPassword: { env: PW } }\n')).toThrow(/zookeeper\.reconfig.*TLS.*not supported/s);
  });

  it('a server whose zoo.cfg runs the other way is not switched (blocked, with the way out)', () => {
    const s = zookeeperHosts(inventory())[0]!.zookeeper;
    const facts = (content: string) => {
      const f = new Facts();
      f.set(pathProbe(`${s.confDir}/zoo.cfg`, true).key, { kind: 'file', content });
      return f;
    };
    const plain = zookeeperTlsModeStep(s, facts('clientPort=2181\nserver.1=a:2888:3888\n'))[0]!;
    expect(plain.outcome).toMatchObject({ kind: 'blocked', reason: expect.stringMatching(/runs without TLS/), hint: expect.stringMatching(/tls: false/) });
    expect(zookeeperTlsModeStep(s, facts('clientPort=2181\nsecureClientPort=2182\nsslQuorum=true\n'))[0]!.outcome.kind).toBe('ok');
    const off = zookeeperHosts(inventory(''))[0]!.zookeeper;
    expect(zookeeperTlsModeStep(off, facts('secureClientPort=2182\nsslQuorum=true\n'))[0]!.outcome.kind).toBe('blocked');
  });
});

describe('zkk certs: the state of a host', () => {
  it('ok, renew under 30 days, expired, deploy pending, untrusted, unreachable', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    const file = (days: number) => ({ notAfter: new Date(now.getTime() + days * 86_400_000).toISOString(), daysLeft: days, fingerprint: 'AA', sans: [], subject: 'CN=k1' });
    const served = (fingerprint: string | null, trusted = true, days = 400) => ({ notAfter: fingerprint ? file(days).notAfter : null, fingerprint, trusted, error: trusted && fingerprint ? null : 'x' });
    expect(stateOf(file(400), [served('AA')], now)).toBe('ok');
    expect(stateOf(file(29), [served('AA', true, 29)], now)).toBe('renew');
    expect(stateOf(file(400), [served('BB', true, 10)], now)).toBe('deploy-pending');
    expect(stateOf(file(400), [served('BB', true, -1)], now)).toBe('expired');
    expect(stateOf(file(400), [served('AA', false)], now)).toBe('untrusted');
    expect(stateOf(file(400), [served(null, false)], now)).toBe('unreachable');
    expect(stateOf(null, [], now)).toBe('unknown');
  });
});

describe("zkk's TLS bridge to ZooKeeper's TLS port (real TLS on loopback)", { timeout: 60_000 }, () => {
  it('carries bytes both ways with the client certificate; a server whose certificate does not name the address is dropped', async () => {
    const inv = inventory('security:\n  sasl: { adminPassword: { env: PW } }\n', (n) => `127.0.0.${n}`);
    const material = (await loadClusterTls(inv, true))!;
    const host = material.hosts.get(0)!;
    expect(material.client).toBeDefined();
    expect(new X509Certificate(material.client!.certPem).subject).toBe('CN=zkk-client');
    const peers: string[] = [];
    const server = tls.createServer({ key: host.keyPem, cert: host.certPem, ca: host.caPem, requestCert: true, rejectUnauthorized: true }, (s) => {
      peers.push(String((s.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN));
      s.on('data', (d) => s.write(`echo:${d.toString()}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.11', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const t = { caPem: host.caPem, ...material.client! };
      const local = await tlsBridge('127.0.0.11', port, t);
      expect(await tlsBridge('127.0.0.11', port, t)).toBe(local); // one listener per server
      expect(await roundTrip(local, 'ruok')).toBe('echo:ruok');
      expect(peers).toEqual(['zkk-client']);
      // the same server asked for by an address its certificate does not carry: the bridge closes the connection
      const wrongName = await tlsBridge('127.0.0.1', port, t);
      await expect(roundTrip(wrongName, 'ruok')).rejects.toThrow(/closed/);
      expect(peers).toEqual(['zkk-client']);
    } finally {
      server.close();
    }
  });
});

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    s.setTimeout(5000, () => reject(new Error('timeout')));
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('close', () => reject(new Error('closed without an answer')));
    s.once('error', reject);
  });
}
