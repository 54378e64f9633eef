/**
 * Issue 18, sudo: with a sudo password (what --ask-sudo-pass gives the engine) the password
 * never lands in a file, a plan or a --json report — whether sudo asks for it (a
 * password-required user) or not (NOPASSWD) — and a wrong password is a clear error, with
 * no hang. Real lab host, real sshd, real sudo, a real ZooKeeper deploy through the engine.
 * Also, on the same host: a key marked @revoked in known_hosts is refused whatever the policy,
 * and a passphrase-protected identity file without a terminal names the file and the fix.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/load.js';
import { runPipeline, type RunReport } from '../../src/engine/run.js';
import { allRoles, inventorySections } from '../../src/roles/all-roles.js';
import { hostSsh, hostsDown, hostsUp, T, TARGET, type TargetInfo } from './target.js';
import { fixtureVersions, MIRROR, runZkk, writeLabInventory } from './helpers.js';

const HOST = 'zk1';
const PASSWORD = `Zkk-sudo-${process.pid}-pw`;
const NOPASSWD_USER = 'zkkeasy';
const PASSWORD_USER = 'zkkasks';
const versions = fixtureVersions();
let info: TargetInfo;
let dir: string;

function inventory(user: string, tickTime: number): string {
  return writeLabInventory(
    { ...info, user },
    [{ name: HOST, roles: ['zookeeper'] }],
    { zookeeper: { version: versions.zookeeper, heapMb: 128, tickTime, release: { mirror: MIRROR } } },
    mkdtempSync(path.join(dir, `${user}-`)),
  );
}

async function run(mode: 'plan' | 'deploy', user: string, tickTime: number, sudoPassword: string): Promise<RunReport> {
  const inv = await loadInventory(inventory(user, tickTime), inventorySections);
  return runPipeline(inv, { mode, roles: allRoles, sudoPassword, cacheDir: path.join(dir, 'cache') });
}

/** Changed files (steps with a diff): a file holding the password would show here. */
const changedFiles = (r: RunReport) => r.hosts.flatMap((h) => h.steps.filter((s) => s.status === 'changed' && s.diff).map((s) => `${s.id}: ${s.diff}`));

/** Every file the lab host wrote since it first booted: its overlay's upper layer, on the machine. */
function filesHoldingPassword(): string[] {
  const upper = path.join(info.state, HOST, 'upper');
  try {
    return execFileSync('grep', ['-rlF', '--binary-files=text', '--no-messages', PASSWORD, upper], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch (e) {
    if ((e as { status?: number }).status === 1) return []; // grep: no match
    throw e;
  }
}

beforeAll(async () => {
  info = await hostsUp([HOST]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-sudo-'));
  // two login users with the lab's key: one with NOPASSWD sudo, one whose sudo asks
  const r = await hostSsh(
    HOST,
    [
      'set -e',
      `for u in ${NOPASSWD_USER} ${PASSWORD_USER}; do`,
      '  id "$u" >/dev/null 2>&1 || useradd -m -s /bin/sh "$u"',
      '  install -d -m 700 -o "$u" -g "$u" /home/$u/.ssh',
      '  install -m 600 -o "$u" -g "$u" /root/.ssh/authorized_keys /home/$u/.ssh/authorized_keys',
      'done',
      `echo '${PASSWORD_USER}:${PASSWORD}' | chpasswd`,
      `usermod -p '*' ${NOPASSWD_USER}`,
      `printf '%s\\n' '${NOPASSWD_USER} ALL=(ALL) NOPASSWD: ALL' '${PASSWORD_USER} ALL=(ALL) ALL' 'Defaults:${PASSWORD_USER} timestamp_timeout=0' > /etc/sudoers.d/zkk-e2e`,
      'chmod 440 /etc/sudoers.d/zkk-e2e',
      'visudo -cq',
      'command -v sudo',
    ].join('\n'),
  );
  expect(r.code, `${r.stderr}\n(sudo must be installed on the machine: bash test/setup.sh)`).toBe(0);
}, T(900_000)); // hostsUp may first wait for another suite's lab lease

afterAll(async () => {
  await hostsDown();
}, T(120_000));

describe.skipIf(TARGET !== 'lab')('sudo password never in a file or a report', () => {
  it('sudo really asks the one user and not the other (the test would prove nothing otherwise)', async () => {
    const asks = await hostSsh(HOST, `su -s /bin/sh ${PASSWORD_USER} -c 'sudo -n true' 2>&1; echo "rc=$?"`);
    expect(asks.stdout).toMatch(/password is required[\s\S]*rc=1/);
    const easy = await hostSsh(HOST, `su -s /bin/sh ${NOPASSWD_USER} -c 'sudo -n true' 2>&1; echo "rc=$?"`);
    expect(easy.stdout).toContain('rc=0');
  }, T(30_000));

  it('NOPASSWD user + a password: deploy, then plan → no file changes; the password is nowhere', async () => {
    const rep = await run('deploy', NOPASSWD_USER, 2000, PASSWORD);
    expect(rep.exitCode, JSON.stringify(rep.hosts[0]?.error ?? rep.hosts[0]?.steps.filter((s) => s.status === 'failed'))).toBe(0);
    expect(rep.hosts[0]!.changed).toBeGreaterThan(3);
    expect(rep.verify.every((c) => c.ok)).toBe(true);
    const plan = await run('plan', NOPASSWD_USER, 2000, PASSWORD);
    expect(plan.exitCode).toBe(0);
    expect(changedFiles(plan)).toEqual([]);
    expect(JSON.stringify([rep, plan])).not.toContain(PASSWORD);
    expect(filesHoldingPassword()).toEqual([]);
    // what the old code did wrong would show here: the first line of the uploaded files
    const myid = await hostSsh(HOST, 'cat /var/lib/zookeeper/myid; head -3 /etc/zookeeper/zoo.cfg');
    expect(myid.stdout).not.toContain(PASSWORD);
  }, T(240_000));

  it('password-required user (sudo asks every time): a change deploys, the next plan shows no file changes, the password is nowhere', async () => {
    const rep = await run('deploy', PASSWORD_USER, 2500, PASSWORD);
    expect(rep.exitCode, JSON.stringify(rep.hosts[0]?.error ?? rep.hosts[0]?.steps.filter((s) => s.status === 'failed'))).toBe(0);
    expect(rep.hosts[0]!.steps.find((s) => s.id === 'zookeeper.render-zoo-cfg')!.status).toBe('changed');
    const cfg = await hostSsh(HOST, 'cat /etc/zookeeper/zoo.cfg');
    expect(cfg.stdout).toMatch(/^tickTime=2500$/m);
    const plan = await run('plan', PASSWORD_USER, 2500, PASSWORD);
    expect(plan.exitCode).toBe(0);
    expect(changedFiles(plan)).toEqual([]);
    expect(JSON.stringify([rep, plan])).not.toContain(PASSWORD);
    expect(filesHoldingPassword()).toEqual([]);
  }, T(240_000));

  it('a wrong password: the host is named with the cause, exit 3, quickly, nothing changed', async () => {
    const t0 = Date.now();
    const rep = await run('deploy', PASSWORD_USER, 3000, 'not-the-password');
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(rep.exitCode).toBe(3);
    expect(rep.hosts[0]!.status).toBe('unreachable');
    expect(rep.hosts[0]!.error).toMatchObject({ code: 'SUDO_PASSWORD', host: HOST });
    expect(String(rep.hosts[0]!.error!.message)).toMatch(/sudo refused the password/);
    const cfg = await hostSsh(HOST, 'cat /etc/zookeeper/zoo.cfg');
    expect(cfg.stdout).toMatch(/^tickTime=2500$/m);
    expect(filesHoldingPassword()).toEqual([]);
  }, T(120_000));
});

describe.skipIf(TARGET !== 'lab')('host keys and identity files on a real host', () => {
  it('the lab key marked @revoked is refused with accept-new and with off (exit 3, named); off warns', async () => {
    const known = readFileSync(info.knownHosts, 'utf8');
    const address = info.hosts.find((h) => h.name === HOST)!.address;
    const line = known.split('\n').find((l) => l.split(/\s+/)[0]!.split(',').includes(address))!;
    const [, type, key] = line.split(/\s+/);
    const revoked = path.join(dir, 'known_hosts_revoked');
    writeFileSync(revoked, `${known}\n@revoked * ${type} ${key}\n`);
    const inv = inventory('root', 2500);
    writeFileSync(inv, readFileSync(inv, 'utf8').replace(info.knownHosts, revoked));
    for (const policy of ['accept-new', 'off']) {
      const r = await runZkk(['plan', inv, '--json', '--host-key-policy', policy], { timeoutMs: T(60_000) });
      expect(r.code, r.stderr).toBe(3);
      expect(r.report!.hosts[0]!.error).toMatchObject({ code: 'HOST_KEY_REVOKED', host: HOST });
      if (policy === 'off') expect(r.stderr).toMatch(/warning: host key checking is off/);
    }
  }, T(120_000));

  it('a passphrase-protected key without a terminal: exit 3 naming the key file and the fix (not UNREACHABLE)', async () => {
    const key = path.join(dir, 'id_encrypted');
    execFileSync('ssh-keygen', ['-q', '-a', '1', '-t', 'ed25519', '-N', 'a passphrase', '-C', '', '-f', key]);
    const inv = inventory('root', 2500);
    writeFileSync(inv, readFileSync(inv, 'utf8').replace(info.key, key));
    const r = await runZkk(['plan', inv, '--json'], { timeoutMs: T(60_000), env: { SSH_AUTH_SOCK: '' } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.report!.hosts[0]!.error).toMatchObject({ code: 'SSH_KEY_ENCRYPTED', host: HOST });
    expect(String(r.report!.hosts[0]!.error!.message)).toContain(key);
    expect(String(r.report!.hosts[0]!.error!.hint)).toContain(`ssh-add ${key}`);
  }, T(60_000));
});
