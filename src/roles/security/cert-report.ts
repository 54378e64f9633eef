/**
 * `zkk certs`: each host's certificate as the control node keeps it (<cluster>.tls/ or the
 * provided files) and as the host serves it now (a TLS handshake with each of its TLS ports:
 * Kafka's client listener, ZooKeeper's TLS client port), with the days left. A host that
 * serves another certificate than the file has a deploy pending. No key material is read
 * from a host and nothing is printed but public certificate fields.
 */
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Inventory, ResolvedHost } from '../../inventory/resolve.js';
import { connectSocket } from '../../shell/control-net.js';
import { certSans, RENEW_BEFORE_MS, type ClusterTls } from './certs.js';

export interface ServedCert {
  port: number;
  what: string;
  /** The certificate the port presented, or why none could be read. */
  notAfter: string | null;
  fingerprint: string | null;
  /** Signed by the cluster CA and naming the address (as a client checks it). */
  trusted: boolean;
  error: string | null;
}

export interface HostCertReport {
  host: string;
  address: string;
  services: string[];
  /** The file's certificate (control node). */
  file: { notAfter: string; daysLeft: number; fingerprint: string; sans: string[]; subject: string } | null;
  /** What generate mode will do at the next deploy, when it is not up to date. */
  pending: string | null;
  served: ServedCert[];
  /** expired | renew (under 30 days) | deploy-pending (served ≠ file) | untrusted (a port serves a certificate a client refuses) | unreachable (no handshake) | unknown (no file yet) | ok */
  state: 'ok' | 'renew' | 'expired' | 'deploy-pending' | 'untrusted' | 'unreachable' | 'unknown';
}

const DAY = 86_400_000;

/** The TLS ports a host serves with its certificate. */
export function tlsPorts(h: ResolvedHost): { port: number; what: string }[] {
  const out: { port: number; what: string }[] = [];
  if (h.kafka?.processRoles.includes('broker')) out.push({ port: h.kafka.port, what: 'kafka' });
  else if (h.kafka) out.push({ port: h.kafka.controllerPort, what: 'kafka controller' });
  if (h.zookeeper?.tls && !h.zookeeper.leaving) out.push({ port: h.zookeeper.secureClientPort, what: 'zookeeper' });
  return out;
}

/** The certificate a TLS port presents (the handshake only: no SASL, no request). */
export function servedCertificate(host: string, port: number, ca: string, client: ClusterTls['client'], timeoutMs = 5000): Promise<Omit<ServedCert, 'port' | 'what'>> {
  return new Promise((resolve) => {
    const raw = connectSocket(host, port);
    const s = tls.connect({
      socket: raw,
      ca,
      ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    let done = false;
    const finish = (r: Omit<ServedCert, 'port' | 'what'>) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      raw.destroy();
      resolve(r);
    };
    const t = setTimeout(() => finish({ notAfter: null, fingerprint: null, trusted: false, error: `no TLS handshake within ${timeoutMs / 1000} s` }), timeoutMs);
    s.once('secureConnect', () => {
      const peer = s.getPeerX509Certificate();
      if (!peer) return finish({ notAfter: null, fingerprint: null, trusted: false, error: 'no certificate presented' });
      const named = (net.isIP(host) ? peer.checkIP(host) : peer.checkHost(host)) !== undefined;
      const error = !s.authorized ? `not trusted: ${String(s.authorizationError)}` : !named ? `does not name ${host}` : null;
      finish({ notAfter: new Date(peer.validTo).toISOString(), fingerprint: peer.fingerprint256, trusted: s.authorized && named, error });
    });
    s.once('error', (e) => finish({ notAfter: null, fingerprint: null, trusted: false, error: e.message }));
  });
}

export async function certificateReport(inv: Inventory, material: ClusterTls, now = new Date()): Promise<HostCertReport[]> {
  const ca = [...material.hosts.values()][0]?.caPem ?? '';
  const hosts = inv.hosts.filter((h) => h.security && (h.kafka || h.zookeeper?.tls));
  return Promise.all(
    hosts.map(async (h): Promise<HostCertReport> => {
      const m = material.hosts.get(h.index);
      const cert = m ? new X509Certificate(m.certPem) : undefined;
      const file = cert
        ? { notAfter: new Date(cert.validTo).toISOString(), daysLeft: Math.floor((new Date(cert.validTo).getTime() - now.getTime()) / DAY), fingerprint: cert.fingerprint256, sans: certSans(cert), subject: cert.subject.replace(/\n/g, ', ') }
        : null;
      const served = ca
        ? await Promise.all(tlsPorts(h).map(async (p) => ({ ...p, ...(await servedCertificate(h.address, p.port, ca, material.client)) })))
        : [];
      return { host: h.name, address: h.address, services: [...(h.kafka ? ['kafka'] : []), ...(h.zookeeper?.tls ? ['zookeeper'] : [])], file, pending: material.pending.get(h.index) ?? null, served, state: stateOf(file, served, now) };
    }),
  );
}

export function stateOf(file: HostCertReport['file'], served: Pick<ServedCert, 'notAfter' | 'fingerprint' | 'trusted' | 'error'>[], now: Date): HostCertReport['state'] {
  if (!file) return 'unknown';
  const soonest = [file.notAfter, ...served.flatMap((s) => (s.notAfter ? [s.notAfter] : []))].map((d) => new Date(d).getTime()).sort((a, b) => a - b)[0]!;
  if (soonest <= now.getTime()) return 'expired';
  if (served.some((s) => s.fingerprint && s.fingerprint !== file.fingerprint)) return 'deploy-pending';
  if (served.some((s) => s.fingerprint && !s.trusted)) return 'untrusted';
  if (served.some((s) => !s.fingerprint)) return 'unreachable';
  if (soonest - now.getTime() < RENEW_BEFORE_MS) return 'renew';
  return 'ok';
}

/** The host certificates with under 30 days left (for `zkk status`), soonest first; [] when none. */
export function expiringSoon(inv: Inventory, material: ClusterTls | undefined, now = new Date()): { host: string; daysLeft: number; notAfter: string }[] {
  if (!material) return [];
  return inv.hosts
    .flatMap((h) => {
      const m = material.hosts.get(h.index);
      return m && m.notAfter.getTime() - now.getTime() < RENEW_BEFORE_MS ? [{ host: h.name, daysLeft: Math.floor((m.notAfter.getTime() - now.getTime()) / DAY), notAfter: m.notAfter.toISOString() }] : [];
    })
    .sort((a, b) => a.daysLeft - b.daysLeft);
}
