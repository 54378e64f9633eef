/**
 * Issue 3 end to end, on real lab hosts with real ZooKeeper JVMs: deploy → verify,
 * deploy again → 0 changed and the same PIDs, a tickTime change rolls the ensemble
 * while a client keeps reading, a cut host fails alone and converges after heal, a
 * corrupt release is refused before any host changes, a changed host key is refused.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cut, heal, hostsDown, hostSsh, hostsUp, re, regenHostKey, T, TARGET, trustHost, type TargetInfo } from './target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from './helpers.js';
import { startZkReader } from './traffic.js';

const HOSTS = ['zk1', 'zk2', 'zk3'];
let info: TargetInfo;
let dir: string;
let inv: string;
const versions = fixtureVersions();

function inventory(zk: Record<string, unknown> = {}, release: Record<string, unknown> = { mirror: MIRROR }): string {
  return writeLabInventory(
    info,
    HOSTS.map((name) => ({ name, roles: ['zookeeper'] })),
    { zookeeper: { version: versions.zookeeper, heapMb: 128, release, ...zk } },
    dir,
  );
}

async function pids(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of HOSTS) out[h] = (await hostSsh(h, 'cat /var/lib/zookeeper/zookeeper_server.pid')).stdout.trim();
  return out;
}

beforeAll(async () => {
  info = await hostsUp(HOSTS);
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-zk-'));
  inv = inventory();
}, T(120_000));

afterAll(async () => {
  await hostsDown();
}, T(120_000));

describe('zkk deploy: ZooKeeper ensemble', () => {
  it('fresh lab → deploy → healthy ensemble, verified', async () => {
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rep = r.report!;
    expect(rep.hosts.every((h) => h.status === 'ok' && h.failed === 0 && h.changed > 0)).toBe(true);
    const modes = rep.verify.filter((c) => c.name === 'zookeeper.status').map((c) => c.detail).sort();
    expect(modes).toEqual(['Mode: follower', 'Mode: follower', 'Mode: leader']);
    expect(rep.verify.filter((c) => c.name === 'zookeeper.znode-read' && c.ok)).toHaveLength(2);
    expect(rep.verify.every((c) => c.ok)).toBe(true);
    // one SSH connection per host for the whole run
    expect(rep.hosts.map((h) => h.stats!.connections)).toEqual([1, 1, 1]);
  }, T(180_000));

  it('deploy again → 0 changed, nothing restarted (same PIDs)', async () => {
    const before = await pids();
    const r = await runZkk(['deploy', inv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(changedSteps(r.report!)).toEqual([]);
    expect(await pids()).toEqual(before);
    // the non-JSON recap says so too
    const plain = await runZkk(['deploy', inv, '--no-verify']);
    expect(plain.stdout).toMatch(/0 changed on 3 host\(s\)/);
  }, T(180_000));

  it('ids are identities: hosts reordered and renamed → plan shows the ids on disk, deploy 0 changed; a myid against the disk → exit 2', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-ids-'));
    const zk = { zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } } };
    // zk3, zk1, zk2 under new names: the addresses are the same machines
    const moved = writeLabInventory(info, ['zk3', 'zk1', 'zk2'].map((name) => ({ name, roles: ['zookeeper'] })), zk, other);
    writeFileSync(moved, readFileSync(moved, 'utf8').replace(/name: zk(\d)/g, 'name: server-$1'));
    const plan = await runZkk(['plan', moved, '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    for (const n of [3, 1, 2]) expect(plan.stdout).toMatch(new RegExp(`server-${n}\\s+zookeeper\\s+myid ${n}\\s+on disk`));
    const before = await pids();
    const r = await runZkk(['deploy', moved, '--json', '--no-verify']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(changedSteps(r.report!)).toEqual([]);
    expect(r.report!.identities.map((i) => `${i.host}=${i.id}:${i.source}`)).toEqual(['server-3=3:on disk', 'server-1=1:on disk', 'server-2=2:on disk']);
    // an explicit myid that contradicts zk2's myid file: refused before anything changes
    const bad = writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['zookeeper'], ...(name === 'zk2' ? { myid: 3 } : {}) })), zk, other);
    const cfg = (await hostSsh('zk2', 'cat /var/lib/zookeeper/myid; sha256sum /etc/zookeeper/zoo.cfg')).stdout;
    for (const cmd of ['plan', 'deploy']) {
      const refused = await runZkk([cmd, bad]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/zk2: myid on disk is 2 \(\/var\/lib\/zookeeper\/myid\) but the inventory asks for 3 \(hosts\[1\]\.myid\)/);
      expect(refused.stderr).toMatch(/remove myid from the host \(zkk keeps 2\) or set it to 2/);
      expect(refused.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    expect((await hostSsh('zk2', 'cat /var/lib/zookeeper/myid; sha256sum /etc/zookeeper/zoo.cfg')).stdout).toBe(cfg);
    expect(await pids()).toEqual(before);
  }, T(180_000));

  it('plan shows the zoo.cfg diff and exits 4; deploy rolls the ensemble while a client keeps reading', async () => {
    inv = inventory({ tickTime: 2500 });
    const plan = await runZkk(['plan', inv, '--detailed-exitcode']);
    expect(plan.code, plan.stderr).toBe(4);
    expect(plan.stdout).toContain('-tickTime=2000');
    expect(plan.stdout).toContain('+tickTime=2500');

    const before = await pids();
    const reader = await startZkReader(info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `${h.address}:2181`), '/zkk-e2e-roll', 'still here');
    const r = await runZkk(['deploy', inv, '--json']);
    const { reads, failures, longestGapMs } = await reader.stop();
    expect(r.code, whyFailed(r)).toBe(0);
    // only zoo.cfg changed, on every host
    expect(changedSteps(r.report!).sort((a, b) => a.host.localeCompare(b.host))).toEqual(HOSTS.map((host) => ({ host, id: 'zookeeper.render-zoo-cfg' })));
    // every ZooKeeper process restarted (new PIDs), one at a time
    const after = await pids();
    for (const h of HOSTS) expect(after[h]).not.toBe(before[h]);
    // the client got answers all through the roll: no gap longer than 8 s
    expect(reads).toBeGreaterThan(20);
    // (emulated VMs: a restarted JVM needs ~8× the CPU time to serve again)
    expect(longestGapMs, `${failures} failed reads`).toBeLessThan(TARGET === 'vagrant' ? 30_000 : 8000);
    // and the znode survived, read through zkCli on another node
    const get = await hostSsh('zk2', '/usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 get /zkk-e2e-roll 2>&1');
    expect(get.stdout).toMatch(/^still here$/m);
  }, T(240_000));

  it('one host cut before deploy → named with the cause, the others finish, exit 1; after heal it converges', async () => {
    inv = inventory({ tickTime: 2000 });
    await cut('zk3');
    try {
      const r = await runZkk(['deploy', inv, '--json']);
      expect(r.code).toBe(1);
      const zk3 = r.report!.hosts.find((h) => h.name === 'zk3')!;
      expect(zk3.status).toBe('unreachable');
      const zk3At = `${info.user}@${info.hosts.find((h) => h.name === 'zk3')!.address}`;
      expect(String(zk3.error!.message)).toMatch(new RegExp(`cannot connect to ${re(zk3At)}:22: (no SSH handshake|connection timed out|host unreachable)`));
      for (const h of r.report!.hosts.filter((x) => x.name !== 'zk3')) {
        expect(h.status).toBe('ok');
        expect(h.steps.find((s) => s.id === 'zookeeper.render-zoo-cfg')!.status).toBe('changed');
      }
      // with one member gone, restarting another would lose the quorum: deferred, said so
      expect(r.report!.clusterErrors.join()).toMatch(/deferred/);
      // human output names the host and the cause
      const plain = await runZkk(['deploy', inv]);
      expect(plain.code).toBe(1);
      expect(plain.stdout).toContain(`zk3: cannot connect to ${zk3At}`);
    } finally {
      await heal('zk3');
    }
    const again = await runZkk(['deploy', inv, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    // zk3 gets its zoo.cfg; zk1/zk2 had theirs but were never restarted: the stale-config check restarts them now
    const changed = changedSteps(again.report!);
    expect(changed).toContainEqual({ host: 'zk3', id: 'zookeeper.render-zoo-cfg' });
    expect(changed).toContainEqual({ host: 'zk1', id: 'zookeeper.config-current' });
    const third = await runZkk(['deploy', inv, '--json']);
    expect(changedSteps(third.report!)).toEqual([]);
  }, T(300_000));

  it('a corrupt release is refused before any host is touched', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'zkk-bad-mirror-'));
    cpSync(path.join(MIRROR, 'zookeeper'), path.join(bad, 'zookeeper'), { recursive: true });
    const tar = path.join(bad, `zookeeper/zookeeper-${versions.zookeeper}/apache-zookeeper-${versions.zookeeper}-bin.tar.gz`);
    const bytes = readFileSync(tar);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(tar, bytes);
    const cfgBefore = (await hostSsh('zk1', 'sha256sum /etc/zookeeper/zoo.cfg /usr/local/zookeeper/.zkk-release')).stdout;
    const r = await runZkk(['deploy', inventory({ tickTime: 3000 }, { mirror: bad })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SHA-512 of .* does not match .*refusing to install/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect((await hostSsh('zk1', 'sha256sum /etc/zookeeper/zoo.cfg /usr/local/zookeeper/.zkk-release')).stdout).toBe(cfgBefore);
    inventory();
  }, T(120_000));

  it('a changed host key is refused under the default policy', async () => {
    const known = readFileSync(info.knownHosts, 'utf8');
    await regenHostKey('zk2');
    try {
      const r = await runZkk(['deploy', inventory(), '--limit', 'zk2']);
      expect(r.code).toBe(3);
      const zk2 = re(info.hosts.find((h) => h.name === 'zk2')!.address);
      expect(r.stdout + r.stderr).toMatch(new RegExp(`host key for ${zk2} has CHANGED`));
      expect(r.stdout + r.stderr).toMatch(new RegExp(`ssh-keygen -f .* -R ${zk2}`));
      expect(readFileSync(info.knownHosts, 'utf8')).toBe(known); // nothing recorded over it
    } finally {
      await trustHost('zk2');
    }
    const ok = await runZkk(['deploy', inventory(), '--limit', 'zk2', '--no-verify']);
    expect(ok.code, ok.stdout).toBe(0);
  }, T(120_000));

  it('a host without a good enough Java is refused with the fix named (java.install: never)', async () => {
    const file = writeLabInventory(info, [{ name: 'zk1', roles: ['zookeeper'] }], {
      java: { install: 'never', minVersion: 99 },
      zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
    }, mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-java-')));
    // the deploy's preflight stops the host before any step, naming the Java it found and the fix
    const pf = await runZkk(['deploy', file, '--json']);
    expect(pf.code).toBe(1);
    expect(pf.report!.hosts[0]!.error).toMatchObject({ code: 'PREFLIGHT', message: expect.stringMatching(/^preflight: 1 check failed: java: Java 17\.\S+ at \S+ is older than 99 .*java\.install is never → install Java 99\+ on the host/) });
    expect(pf.report!.hosts[0]!.changed).toBe(0);
    // without the preflight, java.ensure refuses it itself
    const r = await runZkk(['deploy', file, '--json', '--skip-preflight']);
    expect(r.code).toBe(1);
    const step = r.report!.hosts[0]!.steps.find((s) => s.id === 'java.ensure')!;
    expect(step.status).toBe('failed');
    expect(step.detail).toMatch(/Java 17\.\S+ is older than 99\. Install Java 99 on zk1 \(e\.g\. apt-get install openjdk-99-jre-headless\), or set java\.install: auto/);
    // nothing after the failed step ran
    expect(r.report!.hosts[0]!.steps.filter((s) => s.status === 'skipped').length).toBeGreaterThan(5);
  }, T(60_000));

  it('a symlink planted at <dataDir>/myid by the zookeeper user is replaced, its root-owned target untouched', async () => {
    const target = '/root/zkk-e2e-planted-target';
    await hostSsh('zk1', `set -e; printf 'root only\\n' > ${target}; chmod 0600 ${target}; runuser -u zookeeper -- ln -sfn ${target} /var/lib/zookeeper/myid`);
    expect((await hostSsh('zk1', 'stat -c %F /var/lib/zookeeper/myid')).stdout.trim()).toBe('symbolic link');
    // plan --commands lists the exact write: as the zookeeper user, the body named but never printed
    const plan = await runZkk(['plan', inventory(), '--commands']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('~ zookeeper.myid: replace link /var/lib/zookeeper/myid with a file (its target /root/zkk-e2e-planted-target is left untouched)');
    expect(plan.stdout).toContain("    $ if command -v runuser >/dev/null 2>&1; then exec runuser -u zookeeper -- sh -c 'set -e");
    expect(plan.stdout).toMatch(/# stdin: new content of \/var\/lib\/zookeeper\/myid \(2 bytes, sha256 [0-9a-f]{12}…\)/);
    const r = await runZkk(['deploy', inventory(), '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(changedSteps(r.report!)).toContainEqual({ host: 'zk1', id: 'zookeeper.myid' });
    const after = await hostSsh('zk1', `cat ${target}; stat -c '%U %a %F' ${target}; stat -c '%U:%G %a %F' /var/lib/zookeeper/myid; cat /var/lib/zookeeper/myid`);
    expect(after.stdout.split('\n')).toEqual(['root only', 'root 600 regular file', 'zookeeper:zookeeper 644 regular file', '1', '']);
  }, T(180_000));

  it('broken inventories exit 2 with file:line and a hint, never a stack trace', async () => {
    const fx = path.join(__dirname, '../fixtures/inventories');
    for (const [name, line] of [['bad-yaml.yml', 4], ['duplicate-ids.yml', 4], ['unknown-key.yml', 5], ['bad-port.yml', 5], ['missing-hosts.yml', 1]] as const) {
      const r = await runZkk(['deploy', path.join(fx, name)]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`${path.join(fx, name)}:${line}:`);
      expect(r.stderr, name).toMatch(/hint: /);
      expect(r.stderr, name).not.toMatch(/\n\s+at /);
    }
  });
});
