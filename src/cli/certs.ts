/**
 * `zkk certs inventory.yml [--json]`: each host's certificate — the file the control node
 * keeps and what each of the host's TLS ports serves — with its expiry. Exit 0 when every
 * certificate has 30 days or more and is what the host serves; 1 (degraded) otherwise.
 *
 * `zkk certs rotate inventory.yml [--limit hosts]` (tls.mode generate): new host
 * certificates from the same CA, then a deploy, which rolls the services one node at a
 * time through the usual gates (peers trust the new certificate at once: same CA). The old
 * files are kept beside the new ones (<host>.pem.rotated-<date>). A run killed after the
 * files moved is finished by the next `zkk deploy` or `zkk certs rotate`.
 */
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { routeControlNet } from '../engine/connect-host.js';
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { certificateReport, type HostCertReport } from '../roles/security/cert-report.js';
import { CLIENT_CERT, loadClusterTls, tlsDir } from '../roles/security/certs.js';
import { colors, table } from '../ui/table.js';
import { deployCommand } from './deploy.js';
import type { GlobalRunFlags } from './main.js';

async function securedInventory(file: string) {
  const inv = await loadInventory(file, inventorySections);
  const s = inv.hosts.find((h) => h.security)?.security;
  if (!s) throw new ZkkError('NO_SECURITY', `${file} has no security: block, so the cluster has no certificates`, { exitCode: ExitCode.usage, hint: 'add security: (tls, sasl) to the inventory; see the README, Security' });
  return { inv, s };
}

export async function certsCommand(file: string, flags: { json?: boolean }): Promise<void> {
  const { inv } = await securedInventory(file);
  routeControlNet(inv.hosts); // hosts behind a bastion: through it
  const material = (await loadClusterTls(inv, false))!;
  const rows = await certificateReport(inv, material);
  const bad = rows.some((r) => r.state !== 'ok');
  if (flags.json) process.stdout.write(`${JSON.stringify({ cluster: inv.cluster, hosts: rows }, null, 2)}\n`);
  else process.stdout.write(`${renderCerts(rows, !!process.stdout.isTTY)}\n`);
  process.exitCode = bad ? ExitCode.degraded : ExitCode.ok;
}

export function renderCerts(rows: HostCertReport[], color: boolean): string {
  const c = colors(color);
  const state = (r: HostCertReport) =>
    r.state === 'ok' ? c.green('ok') : r.state === 'deploy-pending' ? c.yellow('deploy pending') : r.state === 'renew' ? c.yellow('renew (< 30 days)') : r.state === 'expired' ? c.red('expired') : r.state === 'untrusted' ? c.red('untrusted') : r.state === 'unreachable' ? c.red('unreachable') : c.red(r.pending ?? 'no certificate yet');
  const served = (r: HostCertReport) =>
    r.served.map((s) => `${s.what} :${s.port} ${s.error ? c.red(s.error) : s.fingerprint === r.file?.fingerprint ? 'this file' : c.yellow(`another (until ${s.notAfter?.slice(0, 10)})`)}`).join('; ');
  const t = table(
    ['host', 'services', 'expires', 'days left', 'names', 'served', 'state'],
    rows.map((r) => [r.host, r.services.join('+'), r.file?.notAfter.slice(0, 10) ?? '', r.file ? String(r.file.daysLeft) : '', r.file?.sans.join(',') ?? '', served(r), state(r)]),
  );
  const hints = [
    ...(rows.some((r) => r.state === 'renew' || r.state === 'expired') ? ['renew: zkk certs rotate <inventory> (generate mode; one node at a time), or replace the provided files and zkk deploy'] : []),
    ...(rows.some((r) => r.state === 'deploy-pending') ? ['deploy pending: the host serves another certificate than the file; zkk deploy rolls the new one in, one node at a time'] : []),
  ];
  return [t, ...hints].join('\n');
}

export async function certsRotateCommand(file: string, flags: GlobalRunFlags & { verify?: boolean }): Promise<void> {
  const { inv, s } = await securedInventory(file);
  if (s.tls.mode !== 'generate')
    throw new ZkkError('TLS', `${file}: security.tls.mode is provided: zkk does not issue these certificates`, { exitCode: ExitCode.usage, hint: 'replace the files the inventory names (same CA), then zkk deploy: it rolls the new certificates in one node at a time' });
  const wanted = flags.limit ? new Set(flags.limit.split(',').map((x) => x.trim())) : undefined;
  const unknown = wanted ? [...wanted].filter((n) => !inv.hosts.some((h) => h.name === n)) : [];
  if (unknown.length) throw new ZkkError('USAGE', `--limit: no host named ${unknown.join(', ')} in ${file}`, { exitCode: ExitCode.usage });
  const material = await loadClusterTls(inv, false);
  if (!material || material.hosts.size === 0) throw new ZkkError('TLS', `${file}: no certificates yet`, { exitCode: ExitCode.usage, hint: 'zkk deploy creates them' });
  const dir = tlsDir(inv);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const rotated: string[] = [];
  for (const h of inv.hosts.filter((x) => material.hosts.has(x.index) && (!wanted || wanted.has(x.name)))) {
    await setAside(path.join(dir, 'hosts', h.name), stamp);
    rotated.push(h.name);
  }
  if (!wanted && material.client) await setAside(path.join(dir, CLIENT_CERT), stamp);
  if (!flags.json) process.stdout.write(`certificates set aside (${rotated.join(', ')}; kept as <host>.pem.rotated-${stamp}); deploying the new ones, one node at a time\n`);
  // the deploy issues the new certificates from the same CA and rolls them in; with --limit only those hosts
  await deployCommand(file, flags, 'deploy');
}

/** The key first, as certs.ts writes them: a run killed in between leaves a pair that does not match, and the next run issues again. */
async function setAside(base: string, stamp: string): Promise<void> {
  for (const ext of ['key', 'pem']) {
    try {
      await rename(`${base}.${ext}`, `${base}.${ext}.rotated-${stamp}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
