/**
 * The cluster's TLS material on the control node. mode generate: a per-cluster CA and one
 * certificate per host, made with the `openssl` CLI and kept beside the inventory in
 * <cluster>.tls/ (0700; private keys 0600), like the KRaft cluster id file. Re-runs reuse
 * them; a host whose names/addresses changed, whose certificate expires within 30 days or
 * that the CA did not sign gets a new one. mode provided: the inventory's files, checked.
 * Certificates are read with node's X509Certificate; nothing here prints key material.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import { controlNodePath } from '../../inventory/merge.js';
import type { Inventory, ResolvedHost } from '../../inventory/resolve.js';
import type { ResolvedSecurity } from './settings.js';

const run = promisify(execFile);
/** A certificate with less than this left is renewed. */
export const RENEW_BEFORE_MS = 30 * 86_400_000;

export interface HostTls {
  caPem: string;
  certPem: string;
  /** PKCS#8 PEM, unencrypted (what Kafka's PEM keystore reads). */
  keyPem: string;
  sans: string[];
  notAfter: Date;
}

/** What a run has: the material per host index, or why it is not there yet (plan before the first deploy). */
export interface ClusterTls {
  hosts: Map<number, HostTls>;
  /** generate mode: hosts whose certificate deploy will (re)issue, with the reason (plan only). */
  pending: Map<number, string>;
  /** hosts given a new certificate in this run */
  issued: string[];
  /**
   * zkk's own client identity for ZooKeeper's TLS port (security.zookeeper.tls, which asks for
   * client certificates): generate: <cluster>.tls/zkk-client.pem/.key (CN=zkk-client); provided:
   * the first ZooKeeper host's pair. Undefined without ZooKeeper TLS, or in a first plan.
   */
  client?: { certPem: string; keyPem: string };
}

export function tlsDir(inv: Inventory): string {
  return path.join(inv.dir, `${inv.cluster}.tls`);
}

/** The names and addresses a host's certificate must carry. */
export function wantedSans(host: ResolvedHost, s: ResolvedSecurity): string[] {
  const names = [host.address, host.name, host.kafka?.advertisedHost, ...s.tls.extraSans].filter((n): n is string => !!n && (isIP(n) > 0 || /^[A-Za-z0-9.-]+$/.test(n)));
  return [...new Set(names)];
}

const sanEntry = (n: string) => (isIP(n) ? `IP:${n}` : `DNS:${n}`);

/** The SANs of a certificate as "DNS:x" / "IP:y" entries, in the certificate's order. */
export function certSans(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((e) => e.replace(/^IP Address:/, 'IP:'))
    .map((e) => (e.startsWith('IP:') ? `IP:${normaliseIp(e.slice(3))}` : e));
}

const normaliseIp = (ip: string) => (isIP(ip) === 6 ? ip.toLowerCase() : ip);

/** The hosts that get a certificate: Kafka nodes, and ZooKeeper servers with security.zookeeper.tls. */
const tlsHosts = (inv: Inventory): ResolvedHost[] => inv.hosts.filter((h) => h.security && (h.kafka || h.zookeeper?.tls));

export async function loadClusterTls(inv: Inventory, create: boolean, now = new Date()): Promise<ClusterTls | undefined> {
  const hosts = tlsHosts(inv);
  const s = hosts[0]?.security;
  if (!s) return undefined;
  return s.tls.mode === 'provided' ? loadProvided(inv, hosts) : loadGenerated(inv, hosts, create, now);
}

const perRun = new WeakMap<Inventory, Map<boolean, Promise<ClusterTls | undefined>>>();

/**
 * loadClusterTls once per inventory and mode in this process: the Kafka and ZooKeeper roles
 * both need the material, and a first deploy must make one CA, not one per role.
 */
export function clusterTlsForRun(inv: Inventory, create: boolean): Promise<ClusterTls | undefined> {
  const byMode = perRun.get(inv) ?? new Map<boolean, Promise<ClusterTls | undefined>>();
  perRun.set(inv, byMode);
  const known = byMode.get(create);
  if (known) return known;
  const p = loadClusterTls(inv, create);
  byMode.set(create, p);
  p.catch(() => byMode.delete(create));
  return p;
}

async function loadProvided(inv: Inventory, hosts: ResolvedHost[]): Promise<ClusterTls> {
  const out: ClusterTls = { hosts: new Map(), pending: new Map(), issued: [] };
  const s = hosts[0]!.security!;
  const caFile = controlNodePath(inv.dir, s.tls.ca!);
  const caPem = await readLocal(caFile, 'security.tls.ca');
  const ca = parseCert(caPem, caFile);
  for (const h of hosts) {
    const certFile = controlNodePath(inv.dir, h.security!.tls.cert!);
    const keyFile = controlNodePath(inv.dir, h.security!.tls.key!);
    const certPem = await readLocal(certFile, 'security.tls.cert', h.name);
    const keyText = await readLocal(keyFile, 'security.tls.key', h.name);
    const cert = parseCert(certPem, certFile, h.name);
    const keyPem = pkcs8(keyText, keyFile, h.name);
    const problem = certProblem(cert, ca, keyPem, wantedSans(h, h.security!).filter((n) => n === h.address || n === h.kafka?.advertisedHost), new Date(), 0);
    if (problem) throw new ZkkError('TLS', `${h.name}: ${certFile}: ${problem}`, { exitCode: ExitCode.usage, host: h.name, hint: 'the certificate must be signed by security.tls.ca, match its key, be valid now and name the host address and kafka.advertisedHost' });
    out.hosts.set(h.index, { caPem, certPem: cert.toString(), keyPem, sans: certSans(cert), notAfter: new Date(cert.validTo) });
    if (!out.client && h.zookeeper?.tls) out.client = { certPem: cert.toString(), keyPem };
  }
  return out;
}

async function loadGenerated(inv: Inventory, hosts: ResolvedHost[], create: boolean, now: Date): Promise<ClusterTls> {
  const out: ClusterTls = { hosts: new Map(), pending: new Map(), issued: [] };
  const dir = tlsDir(inv);
  const s = hosts[0]!.security!;
  let ca = await readCa(dir);
  if (!ca || new Date(ca.cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) {
    if (ca) throw new ZkkError('TLS', `the cluster CA in ${dir} expires ${ca.cert.validTo}`, { exitCode: ExitCode.usage, hint: 'CA rotation is not automated yet: move the directory aside only on a cluster you can restart with new certificates' });
    if (!create) {
      for (const h of hosts) out.pending.set(h.index, 'new cluster CA and host certificate (generated at deploy)');
      return out;
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    ca = await generateCa(dir, inv.cluster, s.tls.caValidityDays);
  }
  for (const h of hosts) {
    const sans = wantedSans(h, h.security!);
    const base = path.join(dir, 'hosts', h.name);
    const existing = await readPair(base);
    const problem = existing ? certProblem(existing.cert, ca.cert, existing.keyPem, sans, now, RENEW_BEFORE_MS, true) : 'no certificate yet';
    if (!problem) {
      out.hosts.set(h.index, { caPem: ca.pem, certPem: existing!.cert.toString(), keyPem: existing!.keyPem, sans: certSans(existing!.cert), notAfter: new Date(existing!.cert.validTo) });
      continue;
    }
    if (!create) {
      out.pending.set(h.index, `new host certificate (${problem})`);
      continue;
    }
    const made = await issueHostCert(dir, base, h.name, sans, h.security!.tls.validityDays);
    out.issued.push(`${h.name} (${problem})`);
    out.hosts.set(h.index, { caPem: ca.pem, certPem: made.cert.toString(), keyPem: made.keyPem, sans: certSans(made.cert), notAfter: new Date(made.cert.validTo) });
  }
  if (hosts.some((h) => h.zookeeper?.tls)) {
    // zkk's own client certificate for ZooKeeper's TLS port (no names: servers do not check a client's host name there)
    const base = path.join(dir, CLIENT_CERT);
    const existing = await readPair(base);
    const problem = existing ? certProblem(existing.cert, ca.cert, existing.keyPem, [], now, RENEW_BEFORE_MS) : 'no certificate yet';
    if (!problem) out.client = { certPem: existing!.cert.toString(), keyPem: existing!.keyPem };
    else if (create) {
      const made = await issueHostCert(dir, base, CLIENT_CERT, [], s.tls.validityDays);
      out.issued.push(`${CLIENT_CERT} (${problem})`);
      out.client = { certPem: made.cert.toString(), keyPem: made.keyPem };
    }
  }
  return out;
}

/** zkk's own client certificate's name (the file base in <cluster>.tls/ and its CN). */
export const CLIENT_CERT = 'zkk-client';

/** Why this certificate cannot serve (undefined: it can). */
function certProblem(cert: X509Certificate, ca: X509Certificate, keyPem: string, sans: string[], now: Date, renewBeforeMs: number, exactSans = false): string | undefined {
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not signed by the cluster CA';
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'the key does not match the certificate';
  if (new Date(cert.validFrom) > now) return `not valid before ${cert.validFrom}`;
  if (new Date(cert.validTo).getTime() - now.getTime() < renewBeforeMs) return `expires ${cert.validTo}`;
  const have = certSans(cert);
  const want = sans.map((n) => sanEntry(isIP(n) ? normaliseIp(n) : n));
  const missing = want.filter((w) => !have.includes(w));
  if (missing.length) return `names changed: missing ${missing.join(', ')}`;
  if (exactSans && have.length !== want.length) return `names changed: no longer ${have.filter((x) => !want.includes(x)).join(', ')}`;
  return undefined;
}

async function readCa(dir: string): Promise<{ pem: string; cert: X509Certificate } | undefined> {
  const pem = await readOptional(path.join(dir, 'ca.pem'));
  const key = await readOptional(path.join(dir, 'ca.key'));
  if (pem === undefined && key === undefined) return undefined;
  if (pem === undefined || key === undefined) throw new ZkkError('TLS', `${dir}: ${pem === undefined ? 'ca.pem' : 'ca.key'} is missing beside the other`, { exitCode: ExitCode.usage, hint: 'restore it from a backup; zkk never replaces a CA the hosts may trust' });
  const cert = parseCert(pem, path.join(dir, 'ca.pem'));
  if (!cert.checkPrivateKey(createPrivateKey(key))) throw new ZkkError('TLS', `${dir}: ca.key does not match ca.pem`, { exitCode: ExitCode.usage, hint: 'restore both from a backup' });
  return { pem: cert.toString(), cert };
}

async function readPair(base: string): Promise<{ cert: X509Certificate; keyPem: string } | undefined> {
  const pem = await readOptional(`${base}.pem`);
  const key = await readOptional(`${base}.key`);
  if (pem === undefined || key === undefined) return undefined;
  try {
    return { cert: new X509Certificate(pem), keyPem: createPrivateKey(key).export({ type: 'pkcs8', format: 'pem' }) as string };
  } catch {
    return undefined; // unreadable: issued again
  }
}

async function generateCa(dir: string, cluster: string, days: number): Promise<{ pem: string; cert: X509Certificate }> {
  const tmp = `.tmp-${randomBytes(4).toString('hex')}`;
  const key = path.join(dir, `ca.key${tmp}`);
  const pem = path.join(dir, `ca.pem${tmp}`);
  try {
    await openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key);
    await chmod(key, 0o600);
    await openssl('req', '-x509', '-new', '-key', key, '-sha256', '-days', String(days), '-subj', `/CN=zkk ${cluster} CA`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', pem);
    await rename(key, path.join(dir, 'ca.key'));
    await rename(pem, path.join(dir, 'ca.pem'));
  } finally {
    await rm(key, { force: true });
    await rm(pem, { force: true });
  }
  return (await readCa(dir))!;
}

async function issueHostCert(dir: string, base: string, cn: string, sans: string[], days: number): Promise<{ cert: X509Certificate; keyPem: string }> {
  await mkdir(path.dirname(base), { recursive: true, mode: 0o700 });
  const tmp = `.tmp-${randomBytes(4).toString('hex')}`;
  const [key, csr, ext, pem] = ['key', 'csr', 'ext', 'pem'].map((x) => `${base}.${x}${tmp}`) as [string, string, string, string];
  try {
    await openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key);
    await chmod(key, 0o600);
    await openssl('req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr);
    await writeFile(ext, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      ...(sans.length ? [`subjectAltName=${sans.map(sanEntry).join(',')}`] : []),
      '',
    ].join('\n'), { mode: 0o600 });
    await openssl('x509', '-req', '-in', csr, '-CA', path.join(dir, 'ca.pem'), '-CAkey', path.join(dir, 'ca.key'), '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')}`,
      '-sha256', '-days', String(days), '-extfile', ext, '-out', pem);
    // the key first: a run killed between the two renames finds a pair that does not match and issues again
    await rename(key, `${base}.key`);
    await rename(pem, `${base}.pem`);
  } finally {
    for (const f of [key, csr, ext, pem]) await rm(f, { force: true });
  }
  return (await readPair(base))!;
}

async function openssl(...args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new ZkkError('TLS', 'the openssl command is not installed on this machine (security.tls.mode generate needs it)', { exitCode: ExitCode.usage, hint: 'install openssl (apt-get install openssl), or use tls.mode: provided' });
    throw new ZkkError('TLS', `openssl ${args[0]} failed: ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' / ')}`, { exitCode: ExitCode.hostFailed });
  }
}

function parseCert(pem: string, file: string, host?: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new ZkkError('TLS', `${file} is not a PEM certificate`, { exitCode: ExitCode.usage, ...(host ? { host } : {}) });
  }
}

function pkcs8(text: string, file: string, host: string): string {
  try {
    return createPrivateKey(text).export({ type: 'pkcs8', format: 'pem' }) as string;
  } catch {
    throw new ZkkError('TLS', `${file} is not an unencrypted PEM private key`, { exitCode: ExitCode.usage, host, hint: 'give the key unencrypted (PKCS#8 or PKCS#1 PEM); zkk writes it 0640 root:<service group> on the host' });
  }
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function readLocal(file: string, field: string, host?: string): Promise<string> {
  const text = await readOptional(file);
  if (text === undefined) throw new ZkkError('TLS', `${field}: ${file} does not exist`, { exitCode: ExitCode.usage, ...(host ? { host } : {}) });
  return text;
}
