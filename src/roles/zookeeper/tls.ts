/**
 * ZooKeeper with security.zookeeper.tls: the TLS files on each server (the cluster CA and the
 * host's key with its certificate chain, PEM, 0640 root:<zookeeper group>, like Kafka's), and
 * the client identity zkk's own ZooKeeper sessions present in this process (the TLS bridge of
 * zookeeper-client.ts). The material is the cluster's (security/certs.ts: one CA for Kafka and
 * ZooKeeper); nothing here prints key material.
 */
import type { Facts } from '../../facts/gather.js';
import { pathProbe, type Probe } from '../../facts/probes.js';
import type { Inventory, ResolvedHost, ResolvedZookeeper } from '../../inventory/resolve.js';
import { ensureDirectory } from '../../ops/directory.js';
import { ensureFileContent } from '../../ops/file.js';
import { blocked, ok, type Outcome, type Step } from '../../ops/operation.js';
import { clusterTlsForRun, type ClusterTls } from '../security/certs.js';
import { zookeeperTlsDir, zookeeperTlsFiles, zookeeperTlsOn } from './config.js';
import { setZookeeperClientTls } from './zookeeper-client.js';

/**
 * The run's ZooKeeper TLS material (deploy: generated where missing), made what zkk's own
 * ZooKeeper sessions use. Without ZooKeeper TLS they stay plaintext.
 */
export async function prepareZookeeperTls(inv: Inventory, create: boolean): Promise<ClusterTls | undefined> {
  if (!zookeeperTlsOn(inv)) {
    setZookeeperClientTls(undefined);
    return undefined;
  }
  const tls = await clusterTlsForRun(inv, create);
  const ca = tls && [...tls.hosts.values()][0]?.caPem;
  setZookeeperClientTls(tls?.client && ca ? { caPem: ca, ...tls.client } : undefined);
  return tls;
}

export function zookeeperTlsProbes(s: ResolvedZookeeper): Probe<unknown>[] {
  if (!s.tls) return [];
  const f = zookeeperTlsFiles(s);
  // never with content: the keystore holds the private key (its sha256 is enough)
  return [pathProbe(zookeeperTlsDir(s)), pathProbe(f.ca), pathProbe(f.keystore)];
}

/** The TLS directory and files; a change restarts ZooKeeper (it reads them at start). */
export function zookeeperTlsSteps(h: ResolvedHost & { zookeeper: ResolvedZookeeper }, facts: Facts, tls: ClusterTls | undefined, restart: string): Step[] {
  const s = h.zookeeper;
  if (!s.tls) return [];
  const f = zookeeperTlsFiles(s);
  const svc = { owner: 'root', group: s.group };
  const material = tls?.hosts.get(h.index);
  const pending = tls?.pending.get(h.index) ?? 'the certificates are not readable';
  // a plan before the first deploy has no certificates yet: it shows the write with a placeholder (deploy always has them)
  const file = (path: string, content: string | undefined, sensitive: boolean): Outcome =>
    ensureFileContent(facts.get(pathProbe(path)), { path, content: content ?? `# ${pending}\n`, ...svc, mode: '0640', sensitive: sensitive || content === undefined });
  return [
    { id: 'zookeeper.tls-dir', early: true, title: zookeeperTlsDir(s), outcome: ensureDirectory(facts.get(pathProbe(zookeeperTlsDir(s))), { path: zookeeperTlsDir(s), ...svc, mode: '0750' }) },
    { id: 'zookeeper.tls-truststore', title: 'TLS truststore (cluster CA)', outcome: file(f.ca, material?.caPem, false), notify: [restart] },
    // ZooKeeper's PEM keystore: the private key (PKCS#8), then the certificate chain
    { id: 'zookeeper.tls-keystore', title: 'TLS keystore (host key and certificate)', outcome: file(f.keystore, material && `${material.keyPem.trimEnd()}\n${material.certPem.trimEnd()}\n${material.caPem.trimEnd()}\n`, true), notify: [restart] },
  ];
}

/** Files whose change means the running server is not current. */
export const zookeeperTlsFileList = (s: ResolvedZookeeper): string[] => (s.tls ? [zookeeperTlsFiles(s).ca, zookeeperTlsFiles(s).keystore] : []);

/**
 * Turning ZooKeeper TLS on (or off) on a server that already has a config the other way would
 * restart it onto ports and a quorum protocol its peers and clients do not speak: refused until
 * zkk does the switch in phases (upstream's portUnification procedure).
 */
export function zookeeperTlsModeStep(s: ResolvedZookeeper, facts: Facts): Step[] {
  const fact = facts.get(pathProbe(`${s.confDir}/zoo.cfg`, true));
  if (fact.kind !== 'file') return [];
  const text = fact.content ?? '';
  const secured = /^sslQuorum=true$/m.test(text) || /^secureClientPort=/m.test(text);
  if (secured === s.tls) return [{ id: 'zookeeper.tls-mode', early: true, title: 'TLS mode', outcome: ok(s.tls ? 'the ensemble runs with TLS already' : 'the ensemble runs without TLS') }];
  return [{
    id: 'zookeeper.tls-mode',
    early: true,
    title: 'TLS mode',
    outcome: blocked(
      s.tls
        ? 'this ZooKeeper server runs without TLS; security.zookeeper.tls would restart it onto a TLS quorum and client port its peers and clients do not speak yet'
        : 'this ZooKeeper server runs with TLS; turning it off would restart it onto a plaintext quorum its peers do not speak',
      s.tls
        ? 'zkk turns ZooKeeper TLS on only for a new ensemble so far: keep it plaintext with security: { zookeeper: { tls: false } }'
        : 'keep security.zookeeper.tls as the ensemble runs',
    ),
  }];
}
