/**
 * Issue 20, adoption: a 3-server ZooKeeper ensemble built by hand exactly as seed post 000 does
 * (the release unpacked as a real directory /usr/local/zookeeper, conf/zoo.cfg with
 * server.N=ip:3188:3288, dataDir/dataLogDir and myid under the install dir, `zkServer.sh start`),
 * holding znodes. `zkk plan` shows what it takes over; one follower is left as a take-over killed
 * midway would leave it (stopped, moved to the backup, half its data moved); `zkk deploy` finishes
 * that one and takes the others over one server at a time (leader last) while a client reads a
 * znode: every znode still there, myids and ports kept, the old directory kept as a backup, zkk's
 * service running; then a re-deploy has 0 changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { hostsDown, hostSsh, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, sleep, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startZkReader } from '../e2e/traffic.js';

const HOSTS = ['zk1', 'zk2', 'zk3'];
const ZNODES = 40;
let info: TargetInfo;
let inv: string;
let t0 = 0;
const addr = (h: string) => info.hosts.find((x) => x.name === h)!.address;
const connect = () => HOSTS.map((h) => `${addr(h)}:2181`).join(',');

/** Seed post 000, typed over ssh: tarball to /usr/local/zookeeper, zoo.cfg, myid, zkServer.sh start. */
function handBuild(myid: number, version: string): string {
  const servers = HOSTS.map((h, i) => `server.${i + 1}=${addr(h)}:3188:3288`).join('\n');
  return [
    'set -e',
    `cd /usr/local && tar -xzf ${MIRROR}/zookeeper/zookeeper-${version}/apache-zookeeper-${version}-bin.tar.gz`,
    `mv apache-zookeeper-${version}-bin /usr/local/zookeeper`,
    'cd /usr/local/zookeeper/conf',
    "cat > zoo.cfg <<'EOF'",
    'tickTime=2000',
    'initLimit=10',
    'syncLimit=5',
    'dataDir=/usr/local/zookeeper/data',
    'dataLogDir=/usr/local/zookeeper/logs',
    'clientPort=2181',
    servers,
    'EOF',
    'mkdir /usr/local/zookeeper/data /usr/local/zookeeper/logs',
    `echo ${myid} > /usr/local/zookeeper/data/myid`,
    'cd /usr/local/zookeeper/bin && ./zkServer.sh start >/dev/null 2>&1',
  ].join('\n');
}

async function withClient<T>(fn: (c: zookeeper.Client) => Promise<T>): Promise<T> {
  const c = zookeeper.createClient(connect(), { sessionTimeout: 20_000, spinDelay: 100, retries: 5 });
  await new Promise<void>((res) => (c.once('connected', () => res()), c.connect()));
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const create = (c: zookeeper.Client, p: string, data: string) =>
  new Promise<void>((res, rej) => c.create(p, Buffer.from(data), (e: unknown) => (e ? rej(new Error(String(e))) : res())));
const read = (c: zookeeper.Client, p: string) =>
  new Promise<string>((res, rej) => c.getData(p, (e: unknown, d?: Buffer) => (e ? rej(new Error(`${p}: ${String(e)}`)) : res(d?.toString() ?? ''))));

async function modes(): Promise<string[]> {
  return Promise.all(HOSTS.map(async (h) => /^Mode: (\w+)/m.exec((await hostSsh(h, '/usr/local/zookeeper/bin/zkServer.sh status 2>&1')).stdout)?.[1] ?? 'down'));
}

beforeAll(async () => {
  t0 = Date.now();
  await hostsDown();
  info = await hostsUp(HOSTS);
  const version = fixtureVersions().zookeeper;
  for (const [i, h] of HOSTS.entries()) {
    const r = await hostSsh(h, handBuild(i + 1, version));
    expect(r.code, r.stderr).toBe(0);
  }
  for (let i = 0; i < 120; i++) {
    const m = await modes();
    if (m.filter((x) => x === 'leader').length === 1 && m.filter((x) => x === 'follower').length === 2) break;
    await sleep(500);
  }
  expect((await modes()).sort()).toEqual(['follower', 'follower', 'leader']);
  await withClient(async (c) => {
    await create(c, '/handmade', 'root');
    for (let i = 0; i < ZNODES; i++) await create(c, `/handmade/z-${i}`, `value-${i}`);
  });
  inv = writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['zookeeper'] })), { zookeeper: { version, heapMb: 128, release: { mirror: MIRROR } } }, mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-adopt-')));
}, T(1_500_000));

afterAll(async () => {
  await hostsDown();
  console.log(`adopt.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(120_000));

describe('adopting a ZooKeeper ensemble built by hand as the seeds do', () => {
  it('plan shows the take-over (ids, ports, backup, data moved); deploy takes it over leader last under a reader; every znode kept; then 0 changed', async () => {
    const plan = await runZkk(['plan', inv, '--json']);
    expect(plan.code, whyFailed(plan)).toBe(0);
    const rep = plan.report!;
    for (const [i, h] of HOSTS.entries()) {
      const adopt = rep.hosts.find((x) => x.name === h)!.steps.find((s) => s.id === 'zookeeper.adopt')!;
      expect(adopt.status).toBe('changed');
      expect(adopt.detail).toContain(`myid ${i + 1} kept, ports 2181/3188/3288 kept`);
      expect(adopt.detail).toContain('keep /usr/local/zookeeper as the backup /usr/local/zookeeper.pre-zkk');
      expect(adopt.detail).toContain('move its transaction logs /usr/local/zookeeper.pre-zkk/logs/version-2 into /var/lib/zookeeper/version-2');
    }
    expect(rep.identities.filter((x) => x.role === 'zookeeper').map((x) => [x.host, x.id])).toEqual(HOSTS.map((h, i) => [h, i + 1]));
    const order = rep.clusterSteps.find((c) => c.role === 'zookeeper')!.steps.filter((s) => s.includes('take over'));
    expect(order).toHaveLength(3);
    expect(order[2]).toMatch(/leader\), the leader last/);
    // nothing touched by plan
    expect((await hostSsh('zk1', 'test -d /usr/local/zookeeper && ! test -L /usr/local/zookeeper && echo hand')).stdout.trim()).toBe('hand');

    // a take-over killed midway on a follower: its hand server stopped, the install moved to the
    // backup, the snapshots moved, the transaction logs not yet (what the script does first)
    const follower = HOSTS[(await modes()).indexOf('follower')]!;
    const killed = await hostSsh(follower, [
      'set -e',
      'p=$(cat /usr/local/zookeeper/data/zookeeper_server.pid)',
      'kill "$p"',
      'while [ -d /proc/$p ] && ! grep -q "^State:.*Z" /proc/$p/status; do sleep 0.1; done',
      'mv -T /usr/local/zookeeper /usr/local/zookeeper.pre-zkk',
      'mkdir -p /var/lib/zookeeper/version-2',
      'mv /usr/local/zookeeper.pre-zkk/data/version-2/* /var/lib/zookeeper/version-2/',
      'rmdir /usr/local/zookeeper.pre-zkk/data/version-2',
    ].join('\n'));
    expect(killed.code, killed.stderr).toBe(0);
    const resumed = await runZkk(['plan', inv, '--json']);
    expect(resumed.code, whyFailed(resumed)).toBe(0);
    const left = resumed.report!.hosts.find((x) => x.name === follower)!.steps.find((s) => s.id === 'zookeeper.adopt')!.detail;
    expect(left).not.toContain('stop its');
    expect(left).not.toContain('move its snapshots');
    expect(left).toContain('move its transaction logs /usr/local/zookeeper.pre-zkk/logs/version-2 into /var/lib/zookeeper/version-2');
    // the stopped server first: it takes nothing from the quorum
    expect(resumed.report!.clusterSteps.find((c) => c.role === 'zookeeper')!.steps[0]).toContain(`take over ${follower} (myid ${HOSTS.indexOf(follower) + 1}, down)`);

    const reader = await startZkReader(HOSTS.map((h) => `${addr(h)}:2181`), '/handmade/reader', 'kept');
    const r = await runZkk(['deploy', inv]);
    const proof = await reader.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const taken = r.stdout.split('\n').filter((l) => l.includes('taking over the hand-built ZooKeeper'));
    expect(taken).toHaveLength(3);
    expect(taken[0]).toContain(`${follower}: taking over the hand-built ZooKeeper (down;`);
    expect(taken[2]).toMatch(/\(leader;/);
    console.log(`adoption under a reader: reads ${proof.reads}, failures ${proof.failures}, longest gap ${proof.longestGapMs} ms`);
    expect(proof.reads).toBeGreaterThan(0);

    for (const [i, h] of HOSTS.entries()) {
      const s = await hostSsh(h, [
        'readlink /usr/local/zookeeper',
        'cat /var/lib/zookeeper/myid',
        'test -f /usr/local/zookeeper.pre-zkk/conf/zoo.cfg && echo backup-kept',
        'ls /usr/local/zookeeper.pre-zkk/logs/version-2 2>/dev/null | wc -l',
        'p=$(cat /var/lib/zookeeper/zookeeper_server.pid) && stat -c %U /proc/$p',
        'grep -c ":3188:3288" /etc/zookeeper/zoo.cfg',
      ].join('; '));
      expect(s.stdout.trim().split('\n'), s.stderr).toEqual([`/usr/local/zookeeper-${fixtureVersions().zookeeper}`, String(i + 1), 'backup-kept', '0', 'zookeeper', '3']);
    }
    expect((await modes()).sort()).toEqual(['follower', 'follower', 'leader']);
    await withClient(async (c) => {
      for (let i = 0; i < ZNODES; i++) expect(await read(c, `/handmade/z-${i}`)).toBe(`value-${i}`);
      expect(await read(c, '/handmade/reader')).toBe('kept');
    });

    const again = await runZkk(['plan', inv, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(600_000));
});
