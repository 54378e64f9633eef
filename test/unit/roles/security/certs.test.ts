/**
 * Generated TLS material with the real openssl: the CA and host certificates beside the
 * inventory, SANs and validity as `openssl x509` reads them, keys 0600, reuse on a second run,
 * a new certificate only for the host whose names changed, nothing created by a plan.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../../../src/inventory/load.js';
import { inventorySections } from '../../../../src/roles/all-roles.js';
import { loadClusterTls, tlsDir } from '../../../../src/roles/security/certs.js';
import { readSecret } from '../../../../src/roles/security/secrets.js';
import type { Inventory } from '../../../../src/inventory/resolve.js';

const dir = mkdtempSync(path.join(tmpdir(), 'zkk-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function inventory(kafka2Address = '10.213.0.12', extra = ''): Inventory {
  const text = `cluster: sec
security:
  tls: { mode: generate${extra} }
  sasl: { adminPassword: { file: admin.password } }
hosts:
  - { name: kafka1, address: 10.213.0.11, roles: [kafka] }
  - { name: kafka2, address: ${kafka2Address}, roles: [kafka], kafka: { advertisedHost: k2.example.net } }
  - { name: kafka3, address: 10.213.0.13, roles: [kafka] }
`;
  return parseInventory(text, path.join(dir, 'sec.yml'), inventorySections);
}

const x509 = (file: string, ...args: string[]) => execFileSync('openssl', ['x509', '-in', file, '-noout', ...args], { encoding: 'utf8' });
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('security.tls.mode generate', { timeout: 60_000 }, () => {
  it('a plan creates nothing and says what deploy will generate', async () => {
    const tls = await loadClusterTls(inventory(), false);
    expect(tls!.hosts.size).toBe(0);
    expect([...tls!.pending.values()][0]).toMatch(/generated at deploy/);
    expect(existsSync(tlsDir(inventory()))).toBe(false);
  });

  it('deploy creates a CA and one certificate per host with its names as SANs', async () => {
    const inv = inventory();
    const tls = await loadClusterTls(inv, true);
    const d = tlsDir(inv);
    expect(d).toBe(path.join(dir, 'sec.tls'));
    expect(mode(d)).toBe('700');
    expect(mode(path.join(d, 'ca.key'))).toBe('600');
    for (const h of ['kafka1', 'kafka2', 'kafka3']) expect(mode(path.join(d, 'hosts', `${h}.key`))).toBe('600');
    expect(tls!.issued).toHaveLength(3);
    const k2 = path.join(d, 'hosts', 'kafka2.pem');
    const san = x509(k2, '-ext', 'subjectAltName');
    expect(san).toMatch(/IP Address:10\.213\.0\.12/);
    expect(san).toMatch(/DNS:kafka2/);
    expect(san).toMatch(/DNS:k2\.example\.net/);
    expect(x509(k2, '-subject')).toMatch(/CN\s*=\s*kafka2/);
    expect(x509(k2, '-ext', 'extendedKeyUsage')).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    // valid now and for about 825 days, and signed by the cluster CA
    execFileSync('openssl', ['x509', '-in', k2, '-noout', '-checkend', String(800 * 86400)]);
    expect(() => execFileSync('openssl', ['x509', '-in', k2, '-noout', '-checkend', String(830 * 86400)], { stdio: 'ignore' })).toThrow();
    expect(execFileSync('openssl', ['verify', '-CAfile', path.join(d, 'ca.pem'), k2], { encoding: 'utf8' })).toMatch(/: OK/);
    expect(x509(path.join(d, 'ca.pem'), '-ext', 'basicConstraints')).toMatch(/CA:TRUE/);
    // what zkk hands the role: key PKCS#8 (Kafka's PEM keystore), the host's cert, the CA
    const m = tls!.hosts.get(1)!;
    expect(m.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(m.certPem).toBe(readFileSync(k2, 'utf8'));
    expect(m.sans).toEqual(expect.arrayContaining(['IP:10.213.0.12', 'DNS:kafka2', 'DNS:k2.example.net']));
  });

  it('a second run reuses everything (same files, nothing issued)', async () => {
    const before = readFileSync(path.join(tlsDir(inventory()), 'hosts', 'kafka1.pem'), 'utf8');
    const tls = await loadClusterTls(inventory(), true);
    expect(tls!.issued).toEqual([]);
    expect(tls!.pending.size).toBe(0);
    expect(tls!.hosts.get(0)!.certPem).toBe(before);
  });

  it('a host whose address changed gets a new certificate, the others keep theirs', async () => {
    const d = tlsDir(inventory());
    const k1 = readFileSync(path.join(d, 'hosts', 'kafka1.pem'), 'utf8');
    const planned = await loadClusterTls(inventory('10.213.0.22'), false);
    expect(planned!.pending.get(1)).toMatch(/missing IP:10\.213\.0\.22/);
    const tls = await loadClusterTls(inventory('10.213.0.22'), true);
    expect(tls!.issued).toEqual([expect.stringMatching(/^kafka2 \(names changed: missing IP:10\.213\.0\.22/)]);
    expect(x509(path.join(d, 'hosts', 'kafka2.pem'), '-ext', 'subjectAltName')).toMatch(/IP Address:10\.213\.0\.22/);
    expect(x509(path.join(d, 'hosts', 'kafka2.pem'), '-ext', 'subjectAltName')).not.toMatch(/10\.213\.0\.12/);
    expect(readFileSync(path.join(d, 'hosts', 'kafka1.pem'), 'utf8')).toBe(k1);
  });

  it('a certificate expiring within 30 days is renewed', async () => {
    const later = new Date(Date.now() + 810 * 86_400_000);
    const tls = await loadClusterTls(inventory('10.213.0.22'), false, later);
    expect([...tls!.pending.values()]).toEqual([expect.stringMatching(/expires/), expect.stringMatching(/expires/), expect.stringMatching(/expires/)]);
  });

  it('a key that does not match its certificate (a run killed between the two renames) is issued again', async () => {
    const d = tlsDir(inventory());
    writeFileSync(path.join(d, 'hosts', 'kafka3.key'), readFileSync(path.join(d, 'hosts', 'kafka1.key')));
    const tls = await loadClusterTls(inventory('10.213.0.22'), true);
    expect(tls!.issued).toEqual([expect.stringMatching(/^kafka3 \(the key does not match/)]);
  });
});

describe('security.tls.mode provided', { timeout: 60_000 }, () => {
  it('reads the files, checks them against the CA and the host names', async () => {
    const d = tlsDir(inventory());
    const text = (k2: string) => `cluster: prov
security:
  tls: { mode: provided, ca: sec.tls/ca.pem }
  sasl: { adminPassword: { env: ZKK_TEST_PW } }
hosts:
  - { name: kafka1, address: 10.213.0.11, roles: [kafka], security: { tls: { cert: sec.tls/hosts/kafka1.pem, key: sec.tls/hosts/kafka1.key } } }
  - { name: kafka2, address: 10.213.0.22, roles: [kafka], security: { tls: { cert: sec.tls/hosts/${k2}.pem, key: sec.tls/hosts/${k2}.key } } }
`;
    const tls = await loadClusterTls(parseInventory(text('kafka2'), path.join(dir, 'prov.yml'), inventorySections), true);
    expect(tls!.hosts.get(1)!.caPem).toBe(readFileSync(path.join(d, 'ca.pem'), 'utf8'));
    await expect(loadClusterTls(parseInventory(text('kafka1'), path.join(dir, 'prov.yml'), inventorySections), true)).rejects.toThrow(/kafka2: .*kafka1\.pem: names changed: missing IP:10\.213\.0\.22/);
  });

  it('refuses a provided inventory without per-host files (exit 2, file:line)', () => {
    const text = `cluster: prov
security:
  tls: { mode: provided, ca: ca.pem }
  sasl: { adminPassword: { env: ZKK_TEST_PW } }
hosts:
  - { name: kafka1, address: 10.213.0.11, roles: [kafka] }
`;
    expect(() => parseInventory(text, path.join(dir, 'bad.yml'), inventorySections)).toThrow(/needs tls\.cert and tls\.key/);
  });

  it('refuses a password written into the inventory', () => {
    const text = `cluster: prov
security:
  sasl: { adminPassword: hunter2hunter2 }
hosts:
  - { name: kafka1, address: 10.213.0.11, roles: [kafka] }
`;
    expect(() => parseInventory(text, path.join(dir, 'bad.yml'), inventorySections)).toThrow(/adminPassword/);
  });
});

describe('secrets from a file or an environment variable', () => {
  it('reads the first line of a file, or a variable; the value is never in an error', async () => {
    writeFileSync(path.join(dir, 'pw'), 'correct-horse-battery\n', { mode: 0o600 });
    expect(await readSecret({ file: 'pw' }, dir, 'security.sasl.adminPassword')).toBe('correct-horse-battery');
    process.env.ZKK_TEST_PW = 'another-secret-value';
    expect(await readSecret({ env: 'ZKK_TEST_PW' }, dir, 'x')).toBe('another-secret-value');
    process.env.ZKK_TEST_PW = 'bad"quoted"secret';
    await expect(readSecret({ env: 'ZKK_TEST_PW' }, dir, 'x')).rejects.toThrow(/holds a quote/);
    await expect(readSecret({ env: 'ZKK_TEST_PW' }, dir, 'x')).rejects.not.toThrow(/bad"quoted/);
    delete process.env.ZKK_TEST_PW;
    await expect(readSecret({ env: 'ZKK_TEST_PW' }, dir, 'x')).rejects.toThrow(/ZKK_TEST_PW is not set/);
    await expect(readSecret({ file: 'nope' }, dir, 'x')).rejects.toThrow(/cannot read .*nope: ENOENT/);
  });
});
