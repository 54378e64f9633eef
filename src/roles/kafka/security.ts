/**
 * Kafka with `security:` — what it changes: the listeners (clients and brokers on SASL_SSL
 * with SCRAM-SHA-512, the KRaft controller listener on SSL with client certificates, a
 * PLAINTEXT listener only when security.plaintextPort asks), the TLS files on each host (PEM
 * keystore and truststore, 0640 root:<kafka group>, written like every file: mktemp + mv),
 * the admin user bootstrapped at KRaft format time (--add-scram) or, in ZooKeeper mode, written to
 * ZooKeeper before the first start (zookeeper-scram.ts), and the credentials zkk's
 * own clients (the wire client, kafkajs) use for the run. The admin password is read from
 * the file or variable the inventory names; it reaches server.properties (0640, masked in
 * diffs) and the format command (masked), never output.
 */
import { X509Certificate } from 'node:crypto';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { Facts } from '../../facts/gather.js';
import { pathProbe, type Probe } from '../../facts/probes.js';
import type { Inventory, ResolvedHost, ResolvedKafka } from '../../inventory/resolve.js';
import { ensureDirectory } from '../../ops/directory.js';
import { ensureFileContent } from '../../ops/file.js';
import { blocked, ok, type Outcome, type Step } from '../../ops/operation.js';
import { maskSecretProperties, propertiesFileAccess } from '../../ops/secret-properties.js';
import { clusterTlsForRun, type ClusterTls } from '../security/certs.js';
import { prepareZookeeperTls } from '../zookeeper/tls.js';
import { readSecret } from '../security/secrets.js';
import type { ResolvedSecurity } from '../security/settings.js';
import { setDefaultWireSecurity, type WireSecurity } from './wire/index.js';

/** The run's security material (KafkaRunPreparation.security). */
export interface KafkaSecurityRun {
  adminUser: string;
  adminPassword: string;
  tls: ClusterTls;
}

export const SASL_LISTENER = 'SASL_SSL';
export const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
export const ACL_AUTHORIZER = 'kafka.security.authorizer.AclAuthorizer';

/**
 * The principal a Kafka node has on the mTLS controller listener: User:<its certificate's
 * subject DN in RFC 2253 order> (Kafka's default principal builder, no ssl.principal.mapping.rules).
 * Generated certificates have the subject CN=<host name>; provided ones are read. A DN whose
 * values need RFC 2253 escaping is refused rather than guessed.
 */
export function certificatePrincipal(certPem: string, host: string): string {
  const rdns = new X509Certificate(certPem).subject.split('\n').filter(Boolean);
  const bad = rdns.find((r) => /[,+"\\<>;#]|=.*=|^\s|\s$/.test(r));
  if (bad) throw new ZkkError('TLS', `${host}: the certificate's subject (${rdns.join(', ')}) has characters zkk cannot write into super.users`, { exitCode: ExitCode.usage, host, hint: 'use a certificate whose subject is plain, like CN=<host name>, or tls.mode: generate' });
  return `User:${rdns.reverse().join(',')}`;
}

/** Every Kafka node's controller-listener principal (super users): from its certificate, else (a first plan, generate) CN=<name>. */
export function nodePrincipals(inv: Inventory, run: KafkaSecurityRun | undefined): string[] {
  return inv.hosts.filter((h) => h.kafka && h.security).map((h) => {
    const pem = run?.tls.hosts.get(h.index)?.certPem;
    return pem ? certificatePrincipal(pem, h.name) : `User:CN=${h.name}`;
  });
}
const SCRAM_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule';

const securityOf = (inv: Inventory): ResolvedSecurity | undefined => inv.hosts.find((h) => h.kafka && h.security)?.security;

/**
 * Read the admin password and the TLS material (deploy: generate what is missing), and make
 * them what zkk's own clients use in this process. Security off: clients stay plaintext.
 */
export async function prepareKafkaSecurity(inv: Inventory, create: boolean): Promise<KafkaSecurityRun | undefined> {
  const s = securityOf(inv);
  if (!s) {
    setDefaultWireSecurity(undefined);
    return undefined;
  }
  const adminPassword = await readSecret(s.sasl.adminPassword, inv.dir, 'security.sasl.adminPassword');
  const tls = (await clusterTlsForRun(inv, create))!;
  await prepareZookeeperTls(inv, create); // ZooKeeper mode: zkk's own ZooKeeper sessions over TLS too
  const run = { adminUser: s.sasl.adminUser, adminPassword, tls };
  setDefaultWireSecurity(clientSecurity(run));
  return run;
}

/** What zkk's clients speak to a secured cluster (no CA yet: a plan before the first deploy). */
export function clientSecurity(run: KafkaSecurityRun): WireSecurity {
  const ca = [...run.tls.hosts.values()][0]?.caPem;
  return { ...(ca ? { tls: { ca } } : {}), sasl: { mechanism: 'SCRAM-SHA-512', user: run.adminUser, password: run.adminPassword } };
}

export const tlsDirOnHost = (k: ResolvedKafka) => `${k.confDir}/tls`;
const caFile = (k: ResolvedKafka) => `${tlsDirOnHost(k)}/ca.pem`;
const keystoreFile = (k: ResolvedKafka) => `${tlsDirOnHost(k)}/keystore.pem`;

export function kafkaSecurityProbes(h: ResolvedHost): Probe<unknown>[] {
  if (!h.security || !h.kafka) return [];
  const k = h.kafka;
  // never with content: the keystore holds the private key (its sha256 is enough)
  return [pathProbe(tlsDirOnHost(k)), pathProbe(caFile(k)), pathProbe(keystoreFile(k))];
}

/** The TLS directory and files; a change restarts Kafka. */
export function kafkaSecuritySteps(h: ResolvedHost, facts: Facts, run: KafkaSecurityRun | undefined, restart: string): Step[] {
  if (!h.security || !h.kafka) return [];
  const k = h.kafka;
  const svc = { owner: 'root', group: k.group };
  const material = run?.tls.hosts.get(h.index);
  const pending = run?.tls.pending.get(h.index) ?? 'the admin password or certificates are not readable';
  // a plan before the first deploy has no certificates yet: it shows the write with a placeholder (deploy always has them)
  const file = (path: string, content: string | undefined, sensitive: boolean): Outcome =>
    ensureFileContent(facts.get(pathProbe(path)), { path, content: content ?? `# ${pending}\n`, ...svc, mode: '0640', sensitive: sensitive || content === undefined });
  return [
    { id: 'kafka.tls-dir', early: true, title: tlsDirOnHost(k), outcome: ensureDirectory(facts.get(pathProbe(tlsDirOnHost(k))), { path: tlsDirOnHost(k), ...svc, mode: '0750' }) },
    { id: 'kafka.tls-truststore', title: 'TLS truststore (cluster CA)', outcome: file(caFile(k), material?.caPem, false), notify: [restart] },
    // Kafka's PEM keystore: the private key (PKCS#8), then the certificate chain
    { id: 'kafka.tls-keystore', title: 'TLS keystore (host key and certificate)', outcome: file(keystoreFile(k), material && `${material.keyPem.trimEnd()}\n${material.certPem.trimEnd()}\n${material.caPem.trimEnd()}\n`, true), notify: [restart] },
  ];
}

/**
 * Turning security on (or off) in a cluster that already runs the other way would roll each
 * broker into a listener its peers do not speak: refused until zkk does it in phases.
 */
export function securityModeStep(h: ResolvedHost, facts: Facts): Step[] {
  if (!h.kafka) return [];
  const fact = facts.get(pathProbe(`${h.kafka.confDir}/server.properties`, true));
  const current = fact.kind === 'file' ? fact.content : undefined;
  if (current === undefined) return [];
  const secured = /^inter\.broker\.listener\.name=SASL_SSL$/m.test(current);
  const want = !!h.security;
  const outcome: Outcome = secured === want
    ? ok(want ? 'the cluster runs with SASL_SSL already' : 'the cluster runs without security')
    : blocked(
        want ? `this Kafka node runs PLAINTEXT; security: would roll it onto SASL_SSL listeners its peers do not speak yet` : 'this Kafka node runs with SASL_SSL; removing security: would roll it onto PLAINTEXT its peers do not speak',
        'zkk turns security on only for a new cluster so far (the rolling, phased switch is not implemented): deploy a new cluster with security:, or keep the inventory as the cluster runs',
      );
  return [{ id: 'kafka.security-mode', early: true, title: 'security mode', outcome }];
}

/** Files whose change means the running broker is not current (they are read at start). */
export function kafkaSecurityFiles(h: ResolvedHost): string[] {
  return h.security && h.kafka ? [caFile(h.kafka), keystoreFile(h.kafka)] : [];
}

export interface KafkaListeners {
  listeners: string;
  advertised: string;
  protocolMap: string;
  interBroker: string;
  /** The security properties, in order (secret values included: the file is 0640 and masked in diffs). */
  properties: { key: string; value: string }[];
}

/** Listeners and properties of a secured node. */
export function securedListeners(host: ResolvedHost, k: ResolvedKafka, s: ResolvedSecurity, password: string | undefined, dynamicQuorum: boolean, nodePrincipals: readonly string[] = []): KafkaListeners {
  const kraft = k.mode === 'kraft';
  const isBroker = k.processRoles.includes('broker');
  const isController = kraft && k.processRoles.includes('controller');
  const listeners: string[] = [];
  const advertised: string[] = [];
  if (isBroker) {
    listeners.push(`${SASL_LISTENER}://${host.address}:${k.port}`);
    advertised.push(`${SASL_LISTENER}://${k.advertisedHost}:${k.port}`);
    if (s.plaintextPort !== undefined) {
      listeners.push(`PLAINTEXT://${host.address}:${s.plaintextPort}`);
      advertised.push(`PLAINTEXT://${k.advertisedHost}:${s.plaintextPort}`);
    }
  }
  if (isController) {
    listeners.push(`CONTROLLER://${host.address}:${k.controllerPort}`);
    if (dynamicQuorum) advertised.push(`CONTROLLER://${k.advertisedHost}:${k.controllerPort}`);
  }
  const protocolMap = [...(kraft ? ['CONTROLLER:SSL'] : []), `${SASL_LISTENER}:SASL_SSL`, ...(s.plaintextPort !== undefined ? ['PLAINTEXT:PLAINTEXT'] : [])].join(',');
  // the value is what the broker logs in with; a plan without the password shows a placeholder
  const jaas = `${SCRAM_MODULE} required username="${s.sasl.adminUser}" password="${password ?? '<security.sasl.adminPassword>'}";`;
  const properties = [
    { key: 'sasl.enabled.mechanisms', value: 'SCRAM-SHA-512' },
    { key: 'sasl.mechanism.inter.broker.protocol', value: 'SCRAM-SHA-512' },
    { key: `listener.name.${SASL_LISTENER.toLowerCase()}.scram-sha-512.sasl.jaas.config`, value: jaas },
    { key: 'ssl.keystore.type', value: 'PEM' },
    { key: 'ssl.keystore.location', value: keystoreFile(k) },
    { key: 'ssl.truststore.type', value: 'PEM' },
    { key: 'ssl.truststore.location', value: caFile(k) },
    // brokers check each other's host names against the SANs (upstream default, kept explicit)
    { key: 'ssl.endpoint.identification.algorithm', value: 'https' },
    ...(kraft ? [{ key: 'listener.name.controller.ssl.client.auth', value: 'required' }] : []),
    // the authorizer (kafka.acls): KRaft's StandardAuthorizer, ZooKeeper mode's AclAuthorizer (ACLs
    // kept in ZooKeeper); super users are zkk's admin (inter-broker, zkk's own clients) and, in
    // KRaft, every node as it authenticates on the mTLS controller listener (its certificate's DN)
    { key: 'authorizer.class.name', value: kraft ? STANDARD_AUTHORIZER : ACL_AUTHORIZER },
    { key: 'super.users', value: [`User:${s.sasl.adminUser}`, ...(kraft ? nodePrincipals : [])].join(';') },
    { key: 'allow.everyone.if.no.acl.found', value: 'false' },
  ];
  return { listeners: listeners.join(','), advertised: advertised.join(','), protocolMap, interBroker: SASL_LISTENER, properties };
}

/**
 * Kafka's ZooKeeper client with security.zookeeper.tls: Netty (the only client socket that
 * speaks TLS), the host's PEM keystore as its client certificate, the cluster CA, and the
 * server's address checked against its certificate (upstream default, kept explicit).
 */
export function zookeeperTlsProperties(k: ResolvedKafka): { key: string; value: string }[] {
  return [
    { key: 'zookeeper.ssl.client.enable', value: 'true' },
    { key: 'zookeeper.clientCnxnSocket', value: 'org.apache.zookeeper.ClientCnxnSocketNetty' },
    { key: 'zookeeper.ssl.keystore.type', value: 'PEM' },
    { key: 'zookeeper.ssl.keystore.location', value: keystoreFile(k) },
    { key: 'zookeeper.ssl.truststore.type', value: 'PEM' },
    { key: 'zookeeper.ssl.truststore.location', value: caFile(k) },
    { key: 'zookeeper.ssl.endpoint.identification.algorithm', value: 'HTTPS' },
  ];
}

/** server.properties with security holds the admin password: 0640 root:<kafka group>, masked in diffs. */
export function serverPropertiesAccess(h: ResolvedHost, k: ResolvedKafka): ReturnType<typeof propertiesFileAccess> {
  return h.security ? { owner: 'root', group: k.group, mode: '0640', maskDiff: maskSecretProperties } : propertiesFileAccess(k.extraConfig, k.group);
}

/** `kafka-storage.sh format --add-scram` for the admin user (KRaft: the inter-broker user exists before any broker starts). */
export function addScramArgument(h: ResolvedHost, run: KafkaSecurityRun | undefined): { user: string; password: string } | undefined {
  return h.security && run ? { user: run.adminUser, password: run.adminPassword } : undefined;
}
