/**
 * Issue 15 on real lab hosts: a 3-node KRaft cluster with security: (generated TLS, SASL/SCRAM).
 * Deploy → verify passes (zkk's own clients over TLS + SCRAM); an authorised kafkajs client
 * produces and consumes over SASL_SSL; a plaintext client, a wrong password and an unknown CA
 * are refused; `openssl s_client` shows the cluster CA and the host's SAN; a second deploy
 * changes nothing; the password and the key material appear in no output and in no
 * world-readable file on the hosts. Users and ACLs (kafka.users, kafka.acls): the user `app`
 * (password from an environment variable) with ACLs on one topic and a group prefix produces
 * and consumes that topic and is denied another (TOPIC_AUTHORIZATION_FAILED); the topic ACLs
 * taken out of the inventory → deploy removes them (app denied there too), the next deploy 0 changed.
 * Then the seeds' layout in ZooKeeper mode with the same security: the admin's SCRAM credential
 * written to ZooKeeper before any broker starts, AclAuthorizer, app's user and ACLs, refusals, 0 changed.
 * ZooKeeper itself on TLS (security.zookeeper.tls, the default): the ensemble forms over a TLS
 * quorum (`openssl s_client` on the election port gets the cluster CA's certificate), Kafka's
 * sessions are on the TLS client port, a plaintext ZooKeeper client gets no session there, and
 * the plaintext client port answers on the host's loopback only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import zookeeper from 'node-zookeeper-client';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaWireConnection, KafkaWireError, SASL_AUTHENTICATION_FAILED } from '../../src/roles/kafka/wire/index.js';
import { hostSsh, hostsDown, hostsUp, T, type TargetInfo } from './target.js';
import { printLogsOnFailure } from './failure-logs.js';
import { startProducer, startZkReader } from './traffic.js';
import { tlsBridge } from '../../src/roles/zookeeper/zookeeper-client.js';
import type { HostCertReport } from '../../src/roles/security/cert-report.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory, type ZkkResult } from './helpers.js';

const versions = fixtureVersions();
const HOSTS = ['k1', 'k2', 'k3'];
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-e2e-secret`;
const APP_PASSWORD = `app-${Math.random().toString(36).slice(2)}-e2e-secret`;
process.env.ZKK_E2E_APP_PW = APP_PASSWORD;
const APP_TOPIC_ACL = { principal: 'User:app', resourceType: 'topic', name: 'app-orders', operations: ['read', 'write', 'describe'] };
const APP_GROUP_ACL = { principal: 'User:app', resourceType: 'group', name: 'app-', pattern: 'prefixed', operations: ['read'] };
/** Consume a topic from the beginning with a group until n distinct values arrived (sorted). */
async function consumeAll(kafka: Kafka, topic: string, groupId: string, n: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = new Set<string>();
  await new Promise<void>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => { got.add(message.value!.toString()); if (got.size === n) resolve(); } });
  });
  await consumer.disconnect();
  return [...got].sort();
}

interface ClientOptions {
  password?: string;
  ca?: string;
  user?: string;
  retries?: number;
}
/** kafkajs over SASL_SSL (SCRAM-SHA-512) with the cluster CA; the admin user unless told. */
const securedClient = (brokers: string[], ca: string, opts: ClientOptions) =>
  new Kafka({
    clientId: 'e2e-sec',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 10_000,
    retry: { retries: opts.retries ?? 2 },
    ssl: { ca: [opts.ca ?? ca] },
    sasl: { mechanism: 'scram-sha-512', username: opts.user ?? 'zkk-admin', password: opts.password ?? PASSWORD },
  });
/** Fresh lab hosts and a temp dir holding the admin password file (0600). */
async function freshLab(prefix: string): Promise<{ info: TargetInfo; dir: string }> {
  await hostsDown();
  const info = await hostsUp(HOSTS);
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  writeFileSync(path.join(dir, 'admin.password'), `${PASSWORD}\n`, { mode: 0o600 });
  return { info, dir };
}
/** A second deploy changes nothing and zkk status answers healthy; both outputs returned (for the secret checks). */
async function unchangedAndHealthy(inv: string): Promise<ZkkResult[]> {
  const again = await runZkk(['deploy', inv, '--json']);
  expect(again.code, whyFailed(again)).toBe(0);
  expect(changedSteps(again.report!)).toEqual([]);
  const status = await runZkk(['status', inv, '--json']);
  expect(status.code, status.stdout + status.stderr).toBe(0);
  return [again, status];
}
/** What a plaintext Kafka client gets from a SASL_SSL port: 'answered', or why not (the broker drops the connection). */
const plaintextAnswer = (address: string): Promise<string> =>
  KafkaWireConnection.connect(address, 9092, { connectTimeoutMs: 5000, requestTimeoutMs: 5000 }).then(async (c) => {
    try {
      await c.apiVersions();
      return 'answered';
    } catch (e) {
      return (e as Error).message;
    } finally {
      c.close();
    }
  }, (e: Error) => e.message);
/** TOPIC_AUTHORIZATION_FAILED as kafkajs reports it (its type, else its message). */
const denial = (e: unknown) => `${(e as { type?: string }).type ?? (e as { cause?: { type?: string } }).cause?.type ?? ''} ${(e as Error).message}`;
/** kafkajs: the error type, or its text for code 29 (TOPIC_AUTHORIZATION_FAILED). */
const TOPIC_DENIED = /TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics/;
afterAll(async () => hostsDown(), T(120_000));

describe('KRaft with TLS and SASL/SCRAM (security: generate)', () => {
  let info: TargetInfo;
  let dir: string;
  let inv: string;
  let ca: string;
  const outputs: ZkkResult[] = [];
  const addr = (h: string) => info.hosts.find((x) => x.name === h)!.address;
  const writeInventory = (acls: object[]) =>
    writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['kafka'] })), {
      kafka: { version: versions.kafka4, heapMb: 256, release: { mirror: MIRROR }, users: [{ name: 'app', password: { env: 'ZKK_E2E_APP_PW' } }], acls },
      security: { tls: { mode: 'generate' }, sasl: { adminPassword: { file: 'admin.password' } } },
    }, dir);
  const client = (opts: ClientOptions = {}) => securedClient(HOSTS.map((h) => `${addr(h)}:9092`), ca, opts);

  it('deploy → verify passes over SASL_SSL; a client produces and consumes', async () => {
    const t0 = Date.now();
    ({ info, dir } = await freshLab('zkk-e2e-sec-'));
    inv = writeInventory([APP_TOPIC_ACL, APP_GROUP_ACL]);
    const plan = await runZkk(['plan', inv, '--json']);
    outputs.push(plan);
    expect(plan.code, whyFailed(plan)).toBe(0);
    const r = await runZkk(['deploy', inv, '--json']);
    outputs.push(r);
    expect(r.code, whyFailed(r)).toBe(0);
    const checks = Object.fromEntries(r.report!.verify.filter((c) => !c.host).map((c) => [c.name, c]));
    expect(checks['kafka.quorum']!.ok).toBe(true);
    expect(checks['kafka.registered']!.detail).toContain('unfenced brokers: [1, 2, 3]');
    expect(checks['kafka.canary']!.ok, checks['kafka.canary']!.detail).toBe(true);
    // the users-and-ACLs step ran once for the cluster, after the brokers were up
    const access = r.report!.hosts.flatMap((h) => h.steps.filter((s) => s.id === 'kafka.access'));
    expect(access.map((s) => [s.status, s.detail])).toEqual([['changed', 'create user app; add ACL allow User:app read on topic app-orders; add ACL allow User:app write on topic app-orders; add ACL allow User:app describe on topic app-orders; add ACL allow User:app read on group app-*']]);
    ca = readFileSync(path.join(dir, 'e2e.tls', 'ca.pem'), 'utf8');
    // files on the hosts: the TLS dir and stores 0750/0640 root:kafka, server.properties 0640
    const perms = await hostSsh('k2', 'stat -c "%n %U:%G %a" /etc/kafka/tls /etc/kafka/tls/ca.pem /etc/kafka/tls/keystore.pem /etc/kafka/server.properties');
    expect(perms.stdout.trim().split('\n')).toEqual([
      '/etc/kafka/tls root:kafka 750',
      '/etc/kafka/tls/ca.pem root:kafka 640',
      '/etc/kafka/tls/keystore.pem root:kafka 640',
      '/etc/kafka/server.properties root:kafka 640',
    ]);

    // an authorised client over SASL_SSL: produce acks=all, consume with a group
    const kafka = client();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sec-e2e', numPartitions: 3, replicationFactor: 3 }, { topic: 'app-orders', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `m-${i}`);
    await producer.send({ topic: 'sec-e2e', acks: -1, messages: values.map((value) => ({ value })) });
    await producer.disconnect();
    expect(await consumeAll(kafka, 'sec-e2e', 'sec-e2e-group', values.length)).toEqual([...values].sort());
    console.log(`kafka-security: deploy + verify + SASL_SSL produce/consume in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, T(400_000));

  it('plaintext, a wrong password and an unknown CA are refused', async () => {
    // plaintext Kafka protocol to the SASL_SSL port: the broker drops the connection
    const plain = await plaintextAnswer(addr('k1'));
    expect(plain).not.toBe('answered');
    // the wrong password: SASL_AUTHENTICATION_FAILED from the real broker (wire client), and kafkajs fails too
    const wrong = await KafkaWireConnection.connect(addr('k1'), 9092, { connectTimeoutMs: 10_000, security: { tls: { ca }, sasl: { mechanism: 'SCRAM-SHA-512', user: 'zkk-admin', password: 'not-the-password' } } }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(KafkaWireError);
    expect((wrong as KafkaWireError).errorCode).toBe(SASL_AUTHENTICATION_FAILED);
    const kWrong = client({ password: 'not-the-password' }).admin();
    await expect(kWrong.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|Authentication failed/i);
    // the right password through zkk's wire client works (TLS host name check against the SAN)
    const good = await KafkaWireConnection.connect(addr('k3'), 9092, { connectTimeoutMs: 10_000, security: { tls: { ca }, sasl: { mechanism: 'SCRAM-SHA-512', user: 'zkk-admin', password: PASSWORD } } });
    good.close();
    // a CA that did not sign the brokers' certificates
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-otherca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(otherDir, 'k'), '-out', path.join(otherDir, 'c'), '-days', '2', '-subj', '/CN=other'], { stdio: 'ignore' });
    const unknownCa = await KafkaWireConnection.connect(addr('k1'), 9092, { connectTimeoutMs: 10_000, security: { tls: { ca: readFileSync(path.join(otherDir, 'c'), 'utf8') }, sasl: { mechanism: 'SCRAM-SHA-512', user: 'zkk-admin', password: PASSWORD } } }).catch((e: Error) => e.message);
    expect(unknownCa).toMatch(/TLS: .*(SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify)/i);
    // openssl s_client: the cluster CA verifies the broker's certificate, whose SAN names the host
    const sc = execFileSync('sh', ['-c', `openssl s_client -connect ${addr('k2')}:9092 -CAfile ${path.join(dir, 'e2e.tls', 'ca.pem')} -verify_return_error -showcerts </dev/null 2>&1 | openssl x509 -noout -ext subjectAltName -issuer`], { encoding: 'utf8' });
    expect(sc).toMatch(new RegExp(`IP Address:${addr('k2').replace(/\./g, '\\.')}`));
    expect(sc).toMatch(/issuer=CN\s*=\s*zkk e2e CA/);
    // the controller listener wants a client certificate: without one the handshake is refused
    const ctl = execFileSync('sh', ['-c', `echo | openssl s_client -connect ${addr('k1')}:9093 -CAfile ${path.join(dir, 'e2e.tls', 'ca.pem')} 2>&1; true`], { encoding: 'utf8' });
    expect(ctl).toMatch(/alert|certificate required|handshake failure|errno|Verify return code: 0/);
  }, T(120_000));

  it('kafka.users/acls: app produces to and consumes its topic, and is denied another (TOPIC_AUTHORIZATION_FAILED)', async () => {
    const t0 = Date.now();
    const app = client({ user: 'app', password: APP_PASSWORD });
    const producer = app.producer();
    await producer.connect();
    const values = Array.from({ length: 10 }, (_, i) => `app-${i}`);
    await producer.send({ topic: 'app-orders', acks: -1, messages: values.map((value) => ({ value })) });
    const denied = await producer.send({ topic: 'sec-e2e', acks: -1, messages: [{ value: 'no' }] }).then(() => 'sent', denial);
    expect(denied).toMatch(TOPIC_DENIED);
    await producer.disconnect();
    expect(await consumeAll(app, 'app-orders', 'app-group', values.length)).toEqual([...values].sort());
    // the wrong password for app is refused
    const wrong = await KafkaWireConnection.connect(addr('k2'), 9092, { connectTimeoutMs: 10_000, security: { tls: { ca }, sasl: { mechanism: 'SCRAM-SHA-512', user: 'app', password: 'not-app-password' } } }).catch((e: unknown) => e);
    expect((wrong as KafkaWireError).errorCode).toBe(SASL_AUTHENTICATION_FAILED);
    console.log(`kafka-security: app produce/consume + denial in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, T(120_000));

  it('kafka.acls: the topic ACLs taken out of the inventory → deploy removes them, app is denied there', async () => {
    const t0 = Date.now();
    writeInventory([APP_GROUP_ACL]);
    const r = await runZkk(['deploy', inv, '--json']);
    outputs.push(r);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(changedSteps(r.report!)).toEqual([{ host: 'k1', id: 'kafka.access' }]);
    const access = r.report!.hosts.flatMap((h) => h.steps.filter((s) => s.id === 'kafka.access'));
    expect(access[0]!.detail).toBe('remove ACL allow User:app describe on topic app-orders (created by zkk, no longer listed); remove ACL allow User:app read on topic app-orders (created by zkk, no longer listed); remove ACL allow User:app write on topic app-orders (created by zkk, no longer listed)');
    const record = await hostSsh('k3', 'stat -c "%U:%G %a" /etc/kafka/zkk-access.json && cat /etc/kafka/zkk-access.json');
    expect(record.stdout).toMatch(/^root:kafka 640\n/);
    expect(JSON.parse(record.stdout.slice(record.stdout.indexOf('\n') + 1))).toMatchObject({ users: ['app'], acls: [{ resourceType: 'group', resourceName: 'app-', patternType: 'prefixed', principal: 'User:app', operation: 'read' }] });
    const producer = client({ user: 'app', password: APP_PASSWORD }).producer();
    await producer.connect();
    const denied = await producer.send({ topic: 'app-orders', acks: -1, messages: [{ value: 'no' }] }).then(() => 'sent', denial);
    await producer.disconnect();
    expect(denied).toMatch(TOPIC_DENIED);
    console.log(`kafka-security: ACL removal deploy in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, T(300_000));

  it('deploy again → 0 changed; no secret in any output or world-readable file', async () => {
    outputs.push(...(await unchangedAndHealthy(inv)));
    const plan = await runZkk(['plan', inv, '--json', '-v']);
    outputs.push(plan);
    const topics = await runZkk(['topic', 'list', inv]);
    outputs.push(topics);
    expect(topics.code, topics.stderr).toBe(0);
    expect(topics.stdout.split('\n')).toContain('sec-e2e');
    const keyLine = readFileSync(path.join(dir, 'e2e.tls', 'hosts', 'k1.key'), 'utf8').split('\n')[1]!;
    for (const o of outputs) {
      expect(o.stdout + o.stderr).not.toContain(PASSWORD);
      expect(o.stdout + o.stderr).not.toContain(APP_PASSWORD);
      expect(o.stdout + o.stderr).not.toContain(keyLine);
    }
    // on every host: files holding the password or the key are not readable by others
    for (const h of HOSTS) {
      const found = await hostSsh(h, `grep -rlF -e ${JSON.stringify(PASSWORD)} /etc /var/log/kafka /var/lib/kafka /usr/local /tmp /root 2>/dev/null | xargs -r stat -c '%a %n'; true`);
      for (const line of found.stdout.trim().split('\n').filter(Boolean)) expect(Number.parseInt(line.split(' ')[0]!, 8) & 0o004, line).toBe(0);
    }
  }, T(300_000));
});

describe('ZooKeeper mode with TLS and SASL/SCRAM (the seeds layout, security: generate)', () => {
  let info: TargetInfo;
  let dir: string;
  let inv: string;
  let ca: string;
  const outputs: ZkkResult[] = [];
  const addr = (h: string) => info.hosts.find((x) => x.name === h)!.address;
  // ZooKeeper's plaintext port answers on the host's loopback only (TLS for everyone else): read there with the stock zkCli.sh
  const zkGet = async (znode: string) => {
    const r = await hostSsh('k1', `/usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 get ${znode} 2>/dev/null | grep '^{'`);
    return r.code === 0 ? r.stdout.trim() : undefined;
  };
  /** Whether a plaintext ZooKeeper client gets a session at address:port within 8 s. */
  const plaintextSession = (address: string, port: number) =>
    new Promise<string>((resolve) => {
      const c = zookeeper.createClient(`${address}:${port}`, { sessionTimeout: 6000, retries: 0 });
      const t = setTimeout(() => (c.close(), resolve('no session')), 8000);
      c.once('connected', () => (clearTimeout(t), c.close(), resolve('session')));
      c.connect();
    });
  const opensslClient = (address: string, port: number, args: string[] = []) => {
    try {
      return execFileSync('openssl', ['s_client', '-connect', `${address}:${port}`, '-CAfile', path.join(dir, 'e2e.tls', 'ca.pem'), '-showcerts', ...args], { input: '', encoding: 'utf8', timeout: 20_000, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
  };
  const client = (opts: ClientOptions = {}) => securedClient(HOSTS.map((h) => `${addr(h)}:9092`), ca, opts);

  it('deploy: the admin\'s SCRAM credential in ZooKeeper before the brokers start, AclAuthorizer; verify passes over SASL_SSL; app\'s user and ACLs created', async () => {
    const t0 = Date.now();
    ({ info, dir } = await freshLab('zkk-e2e-seczk-'));
    inv = writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })), {
      zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
      kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR }, users: [{ name: 'app', password: { env: 'ZKK_E2E_APP_PW' } }], acls: [APP_TOPIC_ACL, APP_GROUP_ACL] },
      security: { tls: { mode: 'generate' }, sasl: { adminPassword: { file: 'admin.password' } } },
    }, dir);
    const r = await runZkk(['deploy', inv, '--json']);
    outputs.push(r);
    expect(r.code, whyFailed(r)).toBe(0);
    const checks = Object.fromEntries(r.report!.verify.filter((c) => !c.host).map((c) => [c.name, c]));
    expect(checks['kafka.registered']!.detail).toContain('/kafka/brokers/ids: [1, 2, 3]');
    expect(checks['kafka.canary']!.ok, checks['kafka.canary']!.detail).toBe(true);
    const access = r.report!.hosts.flatMap((h) => h.steps.filter((s) => s.id === 'kafka.access'));
    expect(access.map((s) => [s.status, s.detail])).toEqual([['changed', 'create user app; add ACL allow User:app read on topic app-orders; add ACL allow User:app write on topic app-orders; add ACL allow User:app describe on topic app-orders; add ACL allow User:app read on group app-*']]);
    // the credential as Kafka stores it: salted keys, never the password
    const user = JSON.parse((await zkGet('/kafka/config/users/zkk-admin'))!) as { config: Record<string, string> };
    expect(user.config['SCRAM-SHA-512']).toMatch(/^salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=4096$/);
    expect(JSON.stringify(user)).not.toContain(PASSWORD);
    const props = await hostSsh('k2', 'cat /etc/kafka/server.properties');
    expect(props.stdout).toMatch(/^authorizer\.class\.name=kafka\.security\.authorizer\.AclAuthorizer$/m);
    expect(props.stdout).toMatch(/^inter\.broker\.listener\.name=SASL_SSL$/m);
    expect(props.stdout).toMatch(/^super\.users=User:zkk-admin$/m);
    ca = readFileSync(path.join(dir, 'e2e.tls', 'ca.pem'), 'utf8');
    console.log(`kafka-security (ZooKeeper mode): deploy + verify in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, T(400_000));

  it('app produces and consumes its topic over SASL_SSL, is denied another; plaintext and a wrong password are refused', async () => {
    printLogsOnFailure(() => HOSTS);
    const t0 = Date.now();
    const mark = (what: string) => console.log(`kafka-security (ZooKeeper mode): ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sec-zk', numPartitions: 3, replicationFactor: 3 }, { topic: 'app-orders', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    mark('topics created');
    const app = client({ user: 'app', password: APP_PASSWORD });
    const producer = app.producer();
    await producer.connect();
    const values = Array.from({ length: 10 }, (_, i) => `zk-app-${i}`);
    await producer.send({ topic: 'app-orders', acks: -1, messages: values.map((value) => ({ value })) });
    mark('app produced');
    expect(await producer.send({ topic: 'sec-zk', acks: -1, messages: [{ value: 'no' }] }).then(() => 'sent', denial)).toMatch(TOPIC_DENIED);
    await producer.disconnect();
    mark('app denied');
    // the first group of the cluster: its coordinator waits for __consumer_offsets to be created and led (retried)
    const consumed = await Promise.race([consumeAll(client({ user: 'app', password: APP_PASSWORD, retries: 10 }), 'app-orders', 'app-zk-group', values.length), new Promise<string>((r) => setTimeout(() => r('no messages within 60 s'), 60_000))]);
    expect(consumed).toEqual([...values].sort());
    mark('app consumed');
    const plain = await plaintextAnswer(addr('k1'));
    expect(plain).not.toBe('answered');
    for (const [user, password] of [['zkk-admin', 'not-the-password'], ['app', 'not-app-password']] as const) {
      const wrong = await KafkaWireConnection.connect(addr('k3'), 9092, { connectTimeoutMs: 10_000, security: { tls: { ca }, sasl: { mechanism: 'SCRAM-SHA-512', user, password } } }).catch((e: unknown) => e);
      expect((wrong as KafkaWireError).errorCode, user).toBe(SASL_AUTHENTICATION_FAILED);
    }
  }, T(180_000));

  it('ZooKeeper on TLS: a TLS quorum, Kafka on the TLS client port, no plaintext session there, the plaintext port on loopback only', async () => {
    printLogsOnFailure(() => HOSTS);
    const cfg = (await hostSsh('k2', 'cat /etc/zookeeper/zoo.cfg')).stdout;
    expect(cfg).toMatch(/^secureClientPort=2182$/m);
    expect(cfg).toMatch(/^clientPortAddress=127\.0\.0\.1$/m);
    expect(cfg).toMatch(/^sslQuorum=true$/m);
    // the quorum: the election port answers TLS with k2's certificate from the cluster CA (no client certificate: the handshake then fails)
    const election = opensslClient(addr('k2'), 3888);
    expect(election).toMatch(/s:\s*CN\s*=\s*k2/);
    expect(election).toMatch(/i:\s*CN\s*=\s*zkk e2e CA/);
    // the TLS client port with zkk's client certificate: verified against the cluster CA, k3's address in its names
    const secure = opensslClient(addr('k3'), 2182, ['-cert', path.join(dir, 'e2e.tls', 'zkk-client.pem'), '-key', path.join(dir, 'e2e.tls', 'zkk-client.key'), '-verify_return_error', '-verify_ip', addr('k3')]);
    expect(secure).toMatch(/Verify return code: 0 \(ok\)/);
    expect(secure).toMatch(/s:\s*CN\s*=\s*k3/);
    // and with no client certificate: no session (ssl.clientAuth=need)
    expect(await plaintextSession(addr('k1'), 2182)).toBe('no session');
    // the plaintext port: nothing from the network (127.0.0.1 only), srvr on the host's loopback answers
    expect(await plaintextSession(addr('k1'), 2181)).toBe('no session');
    expect((await hostSsh('k1', `bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && printf srvr >&3 && timeout 3 cat <&3'`)).stdout).toMatch(/^Mode: (leader|follower)$/m);
    // Kafka's own ZooKeeper sessions: established to the TLS port
    for (const h of HOSTS) {
      const conns = (await hostSsh(h, "ss -Htnp state established '( dport = :2182 )'")).stdout;
      expect(conns, h).toMatch(/java/);
    }
  }, T(120_000));

  it('zkk certs: every host serves its file\'s certificate on Kafka\'s and ZooKeeper\'s TLS ports; rotate under a producer and a ZooKeeper reader: one node at a time, 0 lost, new certificates served', async () => {
    printLogsOnFailure(() => HOSTS);
    const certs = async () => {
      const r = await runZkk(['certs', inv, '--json']);
      outputs.push(r);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { hosts: HostCertReport[] }).hosts;
    };
    const before = await certs();
    expect(before.map((h) => [h.host, h.services, h.state, h.served.map((s) => [s.what, s.port, s.trusted, s.fingerprint === h.file!.fingerprint])])).toEqual(
      HOSTS.map((h) => [h, ['kafka', 'zookeeper'], 'ok', [['kafka', 9092, true, true], ['zookeeper', 2182, true, true]]]),
    );
    expect(before.every((h) => h.file!.daysLeft >= 824)).toBe(true);
    const text = await runZkk(['certs', inv]);
    expect(text.stdout).toMatch(/^k1\s+kafka\+zookeeper\s+\d{4}-\d\d-\d\d\s+\d+\s+IP:[\d.]+,DNS:k1\s+kafka :9092 this file; zookeeper :2182 this file\s+ok$/m);

    // the traffic: acks=all over SASL_SSL as app, and a ZooKeeper reader through TLS as zkk's client certificate
    const material = { caPem: ca, certPem: readFileSync(path.join(dir, 'e2e.tls', 'zkk-client.pem'), 'utf8'), keyPem: readFileSync(path.join(dir, 'e2e.tls', 'zkk-client.key'), 'utf8') };
    const bridged = await Promise.all(HOSTS.map(async (h) => `127.0.0.1:${await tlsBridge(addr(h), 2182, material)}`));
    const reader = await startZkReader(bridged, '/zkk-e2e-rotate', 'still here');
    const producer = await startProducer(HOSTS.map((h) => `${addr(h)}:9092`), 'app-rotate', { client: { ssl: { ca: [ca] }, sasl: { mechanism: 'scram-sha-512', username: 'zkk-admin', password: PASSWORD } } });
    const r = await runZkk(['certs', 'rotate', inv]);
    outputs.push(r);
    const zkRead = await reader.stop();
    const proof = await producer.stopAndConsume();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // strictly one at a time: each node back before the next restarts; ZooKeeper first (leader last), then Kafka
    const roll = r.stdout.split('\n').filter((l) => /restarting ZooKeeper|ZooKeeper back|restarting Kafka node|Kafka back/.test(l)).map((l) => (/restarting/.test(l) ? 'restart' : 'back') + (/ZooKeeper/.test(l) ? ' zk' : ' kafka'));
    expect(roll).toEqual([...Array(3).fill(['restart zk', 'back zk']).flat(), ...Array(3).fill(['restart kafka', 'back kafka']).flat()]);
    console.log(`certs rotate: ${proof.acked.length} acknowledged, ${proof.failed} sends failed (retried), ${proof.lost.length} lost; ZooKeeper reads ${zkRead.reads}, failed ${zkRead.failures}, longest gap ${zkRead.longestGapMs} ms`);
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
    expect(zkRead.reads).toBeGreaterThan(20);
    const after = await certs();
    for (const h of after) {
      const old = before.find((b) => b.host === h.host)!;
      expect(h.file!.fingerprint, h.host).not.toBe(old.file!.fingerprint);
      expect(h.served.map((s) => s.fingerprint), h.host).toEqual([h.file!.fingerprint, h.file!.fingerprint]);
    }
    // the old files are kept beside the new ones
    expect(readFileSync(path.join(dir, 'e2e.tls', 'hosts', 'k1.pem'), 'utf8')).not.toBe('');
    expect(execFileSync('ls', [path.join(dir, 'e2e.tls', 'hosts')], { encoding: 'utf8' })).toMatch(/^k1\.pem\.rotated-\d{8}-\d{6}$/m);
  }, T(400_000));

  it('deploy again → 0 changed; no secret in any output', async () => {
    outputs.push(...(await unchangedAndHealthy(inv)));
    const keyLines = ['zkk-client.key', 'hosts/k1.key'].map((f) => readFileSync(path.join(dir, 'e2e.tls', f), 'utf8').split('\n')[1]!);
    for (const o of outputs) {
      for (const k of keyLines) expect(o.stdout + o.stderr).not.toContain(k);
      expect(o.stdout + o.stderr).not.toContain(PASSWORD);
      expect(o.stdout + o.stderr).not.toContain(APP_PASSWORD);
    }
  }, T(300_000));
});
