/**
 * `zkk init` end to end, in a real terminal (tmux): an interview with refused answers on
 * the way writes an inventory that validates and deploys onto the lab (ZooKeeper and
 * Kafka verified healthy); `--yes` with flags writes the same file; Ctrl-C writes
 * nothing; without a terminal nothing is asked. Needs root, tmux, the fixtures and the
 * lab (run under the lab lock):
 *   flock /var/lock/zkk-lab.lock npx vitest run test/e2e/init.test.ts
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type LabInfo } from '../lab/lab.js';
import { MIRROR, ZKK, fixtureVersions, runZkk } from './helpers.js';
import { TmuxSession, haveTmux } from './tmux.js';

const isRoot = process.getuid?.() === 0;
const ready = isRoot && haveTmux() && existsSync(MIRROR);
if (!ready) console.warn('skipping zkk init e2e: needs root, tmux and the fixtures (test/fixtures/build.sh)');

const sessions: TmuxSession[] = [];
async function terminal(args: string[], cwd: string): Promise<TmuxSession> {
  const s = await TmuxSession.start([process.execPath, ZKK, ...args], { cwd, env: { NO_COLOR: '1' } });
  sessions.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.kill()));
});

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'zkk-init-e2e-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const ask = (q: string) => new RegExp(`^\\? ${q}`, 'm'); // the active question (answered ones show ✔)

describe.skipIf(!ready)('zkk init without the lab', () => {
  it('Ctrl-C midway writes nothing and exits 130', async () => {
    const dir = tmp();
    const t = await terminal(['init', 'inventory.yml'], dir);
    await t.answer(ask('Cluster name'), 'halfway');
    await t.waitFor(ask('Hosts'));
    await t.type('10.213.0.11,10.213.0.12\r');
    await t.waitFor(/2 host\(s\)/);
    await t.keys('Enter');
    await t.waitFor(ask('Kafka mode'));
    await t.keys('C-c');
    expect(await t.exitStatus()).toBe(130);
    expect(await t.screen()).toMatch(/zkk: interrupted/);
    expect(readdirSync(dir)).toEqual([]); // no inventory, no temp file
  }, 60_000);

  it('without a terminal nothing is asked: a missing answer is an error naming the flag (exit 2)', async () => {
    const dir = tmp();
    const file = path.join(dir, 'inventory.yml');
    const r = await runZkk(['init', file, '--kafka-mode', 'zookeeper']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing answer: --hosts/);
    expect(r.stdout).not.toMatch(/\?/);
    expect(existsSync(file)).toBe(false);
    const bad = await runZkk(['init', file, '--yes', '--hosts', '10.213.0.1', '--ssh-port', '99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ssh-port: 99999 is out of range: ports are 1-65535/);
  }, 60_000);

  it('refuses to overwrite an existing file unless --force (or confirmed)', async () => {
    const dir = tmp();
    const file = path.join(dir, 'inventory.yml');
    writeFileSync(file, 'mine\n');
    const r = await runZkk(['init', file, '--yes', '--hosts', '10.213.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists; nothing written/);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    const t = await terminal(['init', 'inventory.yml'], dir);
    await t.answer(/inventory\.yml exists\. Replace it/, ''); // default: no
    expect(await t.exitStatus()).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    const forced = await runZkk(['init', file, '--yes', '--force', '--hosts', '10.213.0.1']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^# zkk inventory/);
  }, 60_000);
});

describe.skipIf(!ready)('zkk init on the lab', () => {
  let lab: LabInfo;
  const v = fixtureVersions();
  const addr = (name: string) => lab.hosts.find((h) => h.name === name)!.address;
  let interviewed: string;

  beforeAll(async () => {
    lab = await labUp(['zk1', 'zk2', 'zk3']);
  }, 300_000);

  afterAll(async () => {
    await labDown();
  }, 300_000);

  it('a full interview, with refused answers on the way, writes an inventory that validates and deploys', async () => {
    const dir = tmp();
    interviewed = path.join(dir, 'inventory.yml');
    const t0 = Date.now();
    const t = await terminal(['init', interviewed], dir);

    await t.refused(ask('Cluster name'), 'lab cluster', /"lab cluster": letters, digits, dot, dash, underscore/);
    await t.answer(ask('Cluster name'), 'e2e-init');

    await t.waitFor(ask('Hosts'));
    await t.type(`zk1=${addr('zk1')}, zk2=10.213.0.300\r`);
    await t.waitFor(/zk2=10\.213\.0\.300: 10\.213\.0\.300 is not a valid IPv4 address/);
    await t.keys('C-u');
    await t.type(`zk2=${addr('zk2')}\rzk3=${addr('zk3')}\r`); // a pasted list, one per line
    await t.waitFor(/3 host\(s\)/);
    await t.type(`zk4=${addr('zk1')}\r`);
    await t.waitFor(new RegExp(`zk4=${addr('zk1').replace(/\./g, '\\.')}: ${addr('zk1').replace(/\./g, '\\.')} is already in the list`));
    await t.keys('C-u', 'Enter');

    await t.waitFor(ask('Kafka mode'));
    await t.keys('Down', 'Enter'); // ZooKeeper mode, as in the seeds
    await t.refused(ask('Kafka version'), v.kafka4, /has no ZooKeeper mode/);
    await t.answer(ask('Kafka version'), v.kafka3);
    await t.refused(ask('ZooKeeper version'), '3.8', /not a version like/);
    await t.answer(ask('ZooKeeper version'), v.zookeeper);
    await t.answer(ask('Which hosts run ZooKeeper'), ''); // default: all three
    await t.answer(ask('Which hosts run a Kafka broker'), ''); // default: all
    await t.waitFor(ask('Where do the release tarballs come from'));
    await t.keys('Down', 'Enter'); // a mirror
    await t.refused(ask('Mirror URL or directory'), '/nonexistent/mirror', /no such directory/);
    await t.answer(ask('Mirror URL or directory'), MIRROR);
    await t.answer(ask('ZooKeeper install directory'), '');
    await t.refused(ask('Kafka install directory'), 'usr/local/kafka', /must be an absolute path/);
    await t.answer(ask('Kafka install directory'), '');
    await t.answer(ask('ZooKeeper data directory'), '');
    await t.answer(ask('Kafka data directories'), '');
    await t.answer(ask('ZooKeeper quorum and election ports'), ''); // seeds: 3188/3288
    await t.answer(ask('SSH user'), '');
    await t.refused(ask('SSH port'), '70000', /70000 is out of range: ports are 1-65535/);
    await t.answer(ask('SSH port'), '');
    await t.refused(ask('SSH private key'), 'id_ed25519', /must be an absolute path/);
    await t.answer(ask('SSH private key'), lab.key);
    await t.answer(ask('known_hosts file'), lab.knownHosts);
    await t.answer(ask('JDK on the hosts'), ''); // auto
    await t.answer(ask('Secure Kafka with TLS and SASL/SCRAM'), ''); // yes (the default)
    await t.answer(ask('Probe the hosts over SSH now'), ''); // yes

    const screen = await t.waitFor(/next: zkk plan /, 60_000);
    expect(await t.exitStatus()).toBe(0);
    const interviewMs = Date.now() - t0;
    // The probe table: every host reachable, its OS and Java, free disk, no port in use, no firewall.
    expect(screen).toMatch(/host\s+ssh\s+os\s+java\s+free disk\s+ports in use\s+firewall/);
    for (const h of ['zk1', 'zk2', 'zk3']) expect(screen).toMatch(new RegExp(`^${h}\\s+yes \\(\\d+ ms\\)\\s+\\S+.*\\s17\\S*\\s+/usr/local/zookeeper-data [\\d.]+ [GM]iB, /var/lib/kafka/data [\\d.]+ [GM]iB\\s+none\\s+none$`, 'm'));
    expect(screen).toMatch(/all 3 host\(s\) reachable/);
    expect(screen).toMatch(new RegExp(`wrote ${interviewed}: cluster e2e-init, 3 host\\(s\\), 3 ZooKeeper, 3 Kafka \\(zookeeper mode\\)`));
    // secured by default: the admin password in its own file, 0600, never shown
    expect(readdirSync(dir).sort()).toEqual(['e2e-init.admin.password', 'inventory.yml']);
    const pwFile = path.join(dir, 'e2e-init.admin.password');
    expect(statSync(pwFile).mode & 0o777).toBe(0o600);
    const pw = readFileSync(pwFile, 'utf8').trim();
    expect(pw.length).toBeGreaterThanOrEqual(32);
    expect(screen).not.toContain(pw);
    expect(screen).toMatch(/wrote .*e2e-init\.admin\.password \(0600\)/);

    const text = readFileSync(interviewed, 'utf8');
    expect(text).toMatch(/^# zkk inventory for the cluster "e2e-init"/);
    expect(text).toContain(`  - {name: zk1, address: ${addr('zk1')}, roles: [zookeeper, kafka]}`);
    expect(text).toContain('  quorumPort: 3188');
    expect(text).toMatch(/^security:\n {2}tls:\n {4}mode: generate\n {2}sasl:\n {4}adminPassword:\n {6}file: e2e-init\.admin\.password$/m);

    const validate = await runZkk(['validate', interviewed]);
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);

    const t1 = Date.now();
    const deploy = await runZkk(['deploy', interviewed, '--json'], { timeoutMs: 900_000 });
    const deployMs = Date.now() - t1;
    expect(deploy.code, deploy.stderr || deploy.stdout).toBe(0);
    const report = deploy.report!;
    expect(report.hosts.map((h) => [h.name, h.status])).toEqual([['zk1', 'ok'], ['zk2', 'ok'], ['zk3', 'ok']]);
    const failed = report.verify.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    expect(report.verify.filter((c) => c.name === 'zookeeper.status').map((c) => c.host).sort()).toEqual(['zk1', 'zk2', 'zk3']);
    expect(report.verify.some((c) => c.name === 'kafka.canary' && c.ok)).toBe(true);
    console.log(`zkk init e2e: interview ${(interviewMs / 1000).toFixed(1)} s, deploy ${(deployMs / 1000).toFixed(1)} s`);
  }, 1_200_000);

  it('--yes with flags writes the same file as the interview with the same answers', async () => {
    expect(interviewed, 'needs the interview test').toBeTruthy();
    const dir = tmp();
    const file = path.join(dir, 'inventory.yml');
    const r = await runZkk([
      'init', file, '--yes',
      '--cluster', 'e2e-init',
      '--hosts', ['zk1', 'zk2', 'zk3'].map((n) => `${n}=${addr(n)}`).join(','),
      '--kafka-mode', 'zookeeper',
      '--kafka-version', v.kafka3,
      '--zookeeper-version', v.zookeeper,
      '--mirror', MIRROR,
      '--ports', 'seeds',
      '--ssh-user', 'root',
      '--identity-file', lab.key,
      '--known-hosts', lab.knownHosts,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`next: zkk plan ${file}`));
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(interviewed, 'utf8'));
  }, 60_000);
});
