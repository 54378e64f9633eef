/**
 * Issue 12 on real lab hosts. First 1 → 3: zk1 deployed alone (standalone) with znodes
 * written, then zk2 and zk3 added: plan lists zk2 started first (it looks: there is no
 * ensemble to join), zk1 restarted with the 3-server list (a brief unavailability) and
 * zk3 started after — never two empty servers before zk1 votes, or they would elect one
 * of themselves and zk1 would be truncated to their empty tree. After one deploy zk1 leads
 * (its data won the election), zk2/zk3 follow with myids 2 and 3, every znode is read back
 * on zk3 by an independent client, and a second deploy changes nothing. Then the operator's
 * scenario: the 3-server ensemble (zk1..zk3)
 * grows to 5 with zk4 and zk5 inserted in the middle of the inventory (zk1, zk4, zk2,
 * zk5, zk3). zk1-zk3 keep their myids (plan says: on disk), one deploy starts zk4/zk5
 * and rolls zk1-zk3 with the 5-server list, leader last, each restart gated on the live
 * ensemble; then every server's own srvr says 1 leader + 4 followers, the znode written
 * before is still there, a reading client never lost its session (no gap longer than one
 * election), and a second deploy changes nothing. Then back 5 → 3 (zk4, zk5 `leaving: true`):
 * plan lists the hand-over / roll / stop in order, one deploy rolls zk1-zk3 with the 3-server
 * list (leader last), stops zk4/zk5 last with their data kept; every remaining server's srvr
 * says 1 leader + 2 followers, the znode and the reader are kept, the next deploy is 0 changed.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSsh, hostsDown, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import zookeeper from 'node-zookeeper-client';
import { startZkReader } from '../e2e/traffic.js';

const ALL = ['zk1', 'zk2', 'zk3', 'zk4', 'zk5'];
const versions = fixtureVersions();
let info: TargetInfo;
let dir: string;
const started = Date.now();

const zkBlock = { zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } } };
const inventory = (hosts: string[], leaving: string[] = []) =>
  writeLabInventory(info, hosts.map((name) => ({ name, roles: ['zookeeper'], ...(leaving.includes(name) ? { leaving: true } : {}) })), zkBlock, dir);
const address = (h: string) => info.hosts.find((x) => x.name === h)!.address;

/** What the server on `host` says about itself (its own srvr, asked on the host). */
async function ownMode(host: string): Promise<string> {
  const out = (await hostSsh(host, `bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && printf srvr >&3 && timeout 3 cat <&3' 2>&1 || true`)).stdout;
  return /^Mode:\s*(\S+)/m.exec(out)?.[1] ?? 'no answer';
}
const myid = async (host: string) => (await hostSsh(host, 'cat /var/lib/zookeeper/myid')).stdout.trim();

beforeAll(async () => {
  info = await hostsUp(ALL);
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-zkscale-'));
}, T(180_000));

afterAll(async () => {
  await hostsDown();
  process.stdout.write(`zookeeper-scaling.test.ts: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}, T(180_000));

/** A node-zookeeper-client session on `server` for `fn` (the checks are independent of zkk). */
async function withZk<T>(server: string, fn: (c: zookeeper.Client) => Promise<T>): Promise<T> {
  const c = zookeeper.createClient(server, { sessionTimeout: 10_000, spinDelay: 200, retries: 3 });
  await new Promise<void>((res) => {
    c.once('connected', () => res());
    c.connect();
  });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
const ZNODES = Array.from({ length: 50 }, (_, i) => `n${String(i).padStart(2, '0')}`);

/** One deploy with a ZooKeeper reader on `servers` throughout; prints the time and the reader's figures. */
async function deployReading(inv: string, servers: string[], label: string) {
  const reader = await startZkReader(servers.map((h) => `${address(h)}:2181`), '/zkk-e2e-scale', 'written before');
  const t0 = Date.now();
  const r = await runZkk(['deploy', inv, '--json']);
  const ms = Date.now() - t0;
  const proof = await reader.stop();
  expect(r.code, whyFailed(r)).toBe(0);
  process.stdout.write(`ZooKeeper ${label}: ${(ms / 1000).toFixed(1)} s; reader: ${proof.reads} reads, ${proof.failures} failed, longest gap ${proof.longestGapMs} ms\n`);
  return proof;
}

describe('ZooKeeper scale-out 1 → 3 (standalone to an ensemble), one deploy', () => {
  it('deploys zk1 alone (standalone) and writes znodes', async () => {
    const r = await runZkk(['deploy', inventory(['zk1']), '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(await ownMode('zk1')).toBe('standalone');
    await withZk(`${address('zk1')}:2181`, (c) => {
      const tx = c.transaction().create('/zkk-e2e-one', Buffer.from('root'));
      for (const n of ZNODES) tx.create(`/zkk-e2e-one/${n}`, Buffer.from(`value of ${n}`));
      return new Promise<void>((res, rej) => tx.commit((e: unknown) => (e ? rej(new Error(String(e))) : res())));
    });
  }, T(300_000));

  it('1 → 3: plan in run order (one new server, the old one restarted, the other new one), zk1 keeps its data and leads, every znode on zk3, 0 changed after', async () => {
    const grown = inventory(['zk1', 'zk2', 'zk3']);
    const plan = await runZkk(['plan', grown, '--json']);
    expect(plan.code, whyFailed(plan)).toBe(0);
    expect(plan.report!.identities.map((i) => `${i.host}=${i.id}:${i.source}`)).toEqual(['zk1=1:on disk', 'zk2=2:assigned', 'zk3=3:assigned']);
    const steps = plan.report!.clusterSteps.find((c) => c.role === 'zookeeper')!.steps;
    expect(steps[0]).toMatch(/^start zk2 \(myid 2\) with the 3-server list .*it looks for a leader and elects none — zk1 runs standalone/);
    expect(steps[1]).toMatch(/^gate: standalone, no quorum to keep → restart zk1 \(myid 1, standalone\) with the 3-server list → ZooKeeper is unavailable from this restart until zk1 and zk2 have elected zk1/);
    expect(steps[2]).toMatch(/^start zk3 \(myid 3\), a new server held back until now/);

    // a gap is expected (standalone to ensemble, static config): the reader shows how long
    const proof = await deployReading(grown, ['zk1', 'zk2', 'zk3'], '1 → 3 (static)');

    // zk1's data won the election: it leads, the new servers (lowest free myids) follow
    expect(await Promise.all(['zk1', 'zk2', 'zk3'].map(ownMode))).toEqual(['leader', 'follower', 'follower']);
    expect(await Promise.all(['zk1', 'zk2', 'zk3'].map(myid))).toEqual(['1', '2', '3']);
    // every znode written while zk1 was alone, read on zk3 (a new server) by an independent client
    const read = await withZk(`${address('zk3')}:2181`, async (c) => {
      const sync = () => new Promise<void>((res, rej) => c.getData('/zkk-e2e-one', (e: unknown) => (e ? rej(new Error(String(e))) : res())));
      await sync();
      const children = await new Promise<string[]>((res, rej) => c.getChildren('/zkk-e2e-one', (e: unknown, ch?: string[]) => (e ? rej(new Error(String(e))) : res(ch!))));
      const values = await Promise.all(children.sort().map((n) => new Promise<string>((res, rej) => c.getData(`/zkk-e2e-one/${n}`, (e: unknown, d?: Buffer) => (e ? rej(new Error(String(e))) : res(`${n}=${d}`))))));
      return values;
    });
    expect(read).toEqual(ZNODES.map((n) => `${n}=value of ${n}`));
    expect(proof.reads).toBeGreaterThan(0);

    const again = await runZkk(['deploy', grown, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(600_000));
});

describe('ZooKeeper scale-out 3 → 5 with hosts inserted in the middle, one deploy, live', () => {

  it('3 → 5: plan keeps the ids of zk1-zk3, one deploy, 1 leader + 4 followers, data and readers kept', async () => {
    const grown = inventory(['zk1', 'zk4', 'zk2', 'zk5', 'zk3']);
    const plan = await runZkk(['plan', grown, '--json']);
    expect(plan.report!.identities.map((i) => `${i.host}=${i.id}:${i.source}`)).toEqual(['zk1=1:on disk', 'zk4=4:assigned', 'zk2=2:on disk', 'zk5=5:assigned', 'zk3=3:on disk']);
    // the myid files of the running servers are not touched
    for (const h of ['zk1', 'zk2', 'zk3']) expect(plan.report!.hosts.find((x) => x.name === h)!.steps.find((s) => s.id === 'zookeeper.myid')!.status).toBe('ok');
    const human = await runZkk(['plan', grown]);
    expect(human.stdout).toMatch(/zk2\s+zookeeper\s+myid 2\s+on disk/);
    expect(human.stdout).toMatch(/zk4\s+zookeeper\s+myid 4\s+assigned/);

    const proof = await deployReading(grown, ['zk1', 'zk2', 'zk3'], '3 → 5 (static)');

    const modes = await Promise.all(ALL.map(ownMode));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(4);
    expect(await Promise.all(ALL.map(myid))).toEqual(['1', '2', '3', '4', '5']);
    // the znode written before the change, read on a new server
    const get = await hostSsh('zk5', '/usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 get /zkk-e2e-scale 2>&1');
    expect(get.stdout).toMatch(/^written before$/m);
    // the reader kept reading: it never went longer without an answer than one election may take (initLimit × tickTime)
    expect(proof.reads).toBeGreaterThan(20);
    expect(proof.longestGapMs, `${proof.failures} failed reads`).toBeLessThan(10 * 2000);
  }, T(600_000));

  it('a second deploy changes nothing', async () => {
    const r = await runZkk(['deploy', inventory(['zk1', 'zk4', 'zk2', 'zk5', 'zk3']), '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(changedSteps(r.report!)).toEqual([]);
  }, T(300_000));

  it('5 → 3 (zk4, zk5 leaving): plan in run order, one deploy, zk4/zk5 stopped last with their data, 1 leader + 2 followers, data and reader kept', async () => {
    const REMAIN = ['zk1', 'zk2', 'zk3'];
    const shrunk = inventory(['zk1', 'zk4', 'zk2', 'zk5', 'zk3'], ['zk4', 'zk5']);
    const leaderBefore = ALL[(await Promise.all(ALL.map(ownMode))).indexOf('leader')]!;
    const plan = await runZkk(['plan', shrunk, '--json']);
    expect(plan.code, whyFailed(plan)).toBe(0);
    const steps = plan.report!.clusterSteps.find((c) => c.role === 'zookeeper')!.steps;
    const restarted = steps.flatMap((l) => /^gate: .* → restart (zk\d)/.exec(l)?.[1] ?? []);
    expect([...restarted].sort()).toEqual(REMAIN);
    // a remaining leader restarts last; a leaving leader hands over first
    if (REMAIN.includes(leaderBefore)) expect(restarted.at(-1)).toBe(leaderBefore);
    else expect(steps[0]).toMatch(new RegExp(`^hand the leadership to a remaining server.*stop ${leaderBefore} `));
    const stopLine = steps.findIndex((l) => /stop and disable at boot zk4, zk5 \(leaving; data kept/.test(l));
    expect(stopLine).toBeGreaterThan(steps.findIndex((l) => l.includes(`restart ${restarted.at(-1)}`)));
    for (const h of ['zk4', 'zk5']) expect(plan.report!.hosts.find((x) => x.name === h)!.steps.filter((x) => x.id.startsWith('zookeeper.')).map((x) => `${x.id}:${x.status}`)).toEqual(['zookeeper.leave:changed']);

    const proof = await deployReading(shrunk, REMAIN, `5 → 3 (static, leader before: ${leaderBefore})`);

    const modes = await Promise.all(REMAIN.map(ownMode));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);
    expect(await Promise.all(REMAIN.map(myid))).toEqual(['1', '2', '3']);
    for (const h of REMAIN) expect((await hostSsh(h, 'grep -c "^server\\." /etc/zookeeper/zoo.cfg')).stdout.trim()).toBe('3');
    // zk4 and zk5: stopped, not started at boot, their myid and data kept
    for (const h of ['zk4', 'zk5']) {
      expect(await ownMode(h)).toBe('no answer');
      const kept = await hostSsh(h, 'cat /var/lib/zookeeper/myid; ls /var/lib/zookeeper/version-2 | grep -c "^snapshot\\."; ls /etc/rc2.d | grep -c zookeeper || true');
      const [id, snapshots, bootLinks] = kept.stdout.trim().split('\n');
      expect(id).toBe(h.slice(2));
      expect(Number(snapshots)).toBeGreaterThan(0);
      expect(bootLinks).toBe('0');
    }
    const get = await hostSsh('zk1', '/usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 get /zkk-e2e-scale 2>&1');
    expect(get.stdout).toMatch(/^written before$/m);
    expect(proof.reads).toBeGreaterThan(20);
    expect(proof.longestGapMs, `${proof.failures} failed reads`).toBeLessThan(10 * 2000);

    const again = await runZkk(['deploy', shrunk, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(600_000));
});

/**
 * zookeeper.reconfig: true. Whatever ran before is uninstalled (purged), a new 3-server ensemble
 * is deployed with dynamic reconfiguration; then 3 → 5 (zk4, zk5 started with the live
 * membership plus themselves, each added by reconfig -add) and 5 → 3 (reconfig -remove, then
 * stopped) under a ZooKeeper reader. zk1-zk3's JVMs are never restarted (their pids, checked
 * before and after), every server's own srvr counts the leader and followers, every server's
 * own conf lists the members, the znode stays, each next deploy changes nothing, and the kind
 * of config is not switched back by a deploy with reconfig off (exit 2).
 */
describe('ZooKeeper with zookeeper.reconfig: true: 3 → 5 → 3 by reconfig, no existing server restarted', () => {
  const rcBlock = { zookeeper: { ...zkBlock.zookeeper, reconfig: true } };
  const rc = (hosts: string[], leaving: string[] = []) =>
    writeLabInventory(info, hosts.map((name) => ({ name, roles: ['zookeeper'], ...(leaving.includes(name) ? { leaving: true } : {}) })), rcBlock, dir);
  const pids = (hosts: string[]) => Promise.all(hosts.map(async (h) => (await hostSsh(h, 'cat /var/lib/zookeeper/zookeeper_server.pid')).stdout.trim()));
  /** The members the server on `host` runs with (its own conf four-letter word). */
  const ownMembers = async (host: string) => {
    const out = (await hostSsh(host, `bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181 && printf conf >&3 && timeout 3 cat <&3' 2>&1 || true`)).stdout;
    return [...out.matchAll(/^server\.(\d+)=.*:participant/gm)].map((m) => Number(m[1])).sort();
  };

  it('uninstalls what ran (purged), deploys zk1..zk3 with reconfig: true, the super user password 0600 beside the inventory, 0 changed after', async () => {
    const gone = await runZkk(['uninstall', inventory(ALL), '--yes-really-purge', 'e2e', '--json']);
    expect(gone.code, whyFailed(gone)).toBe(0);
    const t0 = Date.now();
    const r = await runZkk(['deploy', rc(['zk1', 'zk2', 'zk3']), '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    process.stdout.write(`ZooKeeper reconfig: deploy of 3: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    expect((await Promise.all(['zk1', 'zk2', 'zk3'].map(ownMode))).sort()).toEqual(['follower', 'follower', 'leader']);
    for (const h of ['zk1', 'zk2', 'zk3']) expect(await ownMembers(h)).toEqual([1, 2, 3]);
    const { statSync } = await import('node:fs');
    expect((statSync(path.join(dir, 'e2e.zookeeper-super')).mode & 0o777).toString(8)).toBe('600');
    // the static part only in zoo.cfg; ZooKeeper has rewritten its pointer to a versioned dynamic file
    const cfg = (await hostSsh('zk1', 'cat /etc/zookeeper/dynamic/zoo.cfg')).stdout;
    expect(cfg).toMatch(/^reconfigEnabled=true$/m);
    expect(cfg).not.toMatch(/^server\./m);
    const again = await runZkk(['deploy', rc(['zk1', 'zk2', 'zk3']), '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(600_000));

  it('3 → 5: plan lists one reconfig -add per new server after its sync; zk1-zk3 keep their JVMs; 1 leader + 4 followers; 0 changed after', async () => {
    const grown = rc(['zk1', 'zk4', 'zk2', 'zk5', 'zk3']);
    const plan = await runZkk(['plan', grown, '--json']);
    expect(plan.code, whyFailed(plan)).toBe(0);
    const steps = plan.report!.clusterSteps.find((c) => c.role === 'zookeeper')!.steps;
    expect(steps[0]).toMatch(/^start zk4 \(myid 4\) with the live membership .* plus itself .*reconfig -add server\.4=.* no existing server restarts$/);
    expect(steps[1]).toMatch(/^start zk5 \(myid 5\) .*gate: a quorum of the 5 voters serving → reconfig -add server\.5=/);
    expect(steps.some((l) => /restart/.test(l) && !/no existing server restarts/.test(l))).toBe(false);
    const before = await pids(['zk1', 'zk2', 'zk3']);
    const proof = await deployReading(grown, ['zk1', 'zk2', 'zk3'], '3 → 5 (reconfig)');
    expect(await pids(['zk1', 'zk2', 'zk3'])).toEqual(before);
    const modes = await Promise.all(ALL.map(ownMode));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(4);
    for (const h of ALL) expect(await ownMembers(h)).toEqual([1, 2, 3, 4, 5]);
    const get = await hostSsh('zk5', '/usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 get /zkk-e2e-scale 2>&1');
    expect(get.stdout).toMatch(/^written before$/m);
    expect(proof.reads).toBeGreaterThan(20);
    expect(proof.failures).toBe(0);
    const again = await runZkk(['deploy', grown, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(600_000));

  it('5 → 3: reconfig -remove then stop, zk1-zk3 keep their JVMs, 1 leader + 2 followers, data kept; 0 changed; reconfig off is refused (exit 2)', async () => {
    const REMAIN = ['zk1', 'zk2', 'zk3'];
    const shrunk = rc(['zk1', 'zk4', 'zk2', 'zk5', 'zk3'], ['zk4', 'zk5']);
    const plan = await runZkk(['plan', shrunk, '--json']);
    expect(plan.code, whyFailed(plan)).toBe(0);
    const steps = plan.report!.clusterSteps.find((c) => c.role === 'zookeeper')!.steps;
    expect(steps.filter((l) => /reconfig -remove [45] .*stop and disable at boot zk[45]/.test(l))).toHaveLength(2);
    const before = await pids(REMAIN);
    const proof = await deployReading(shrunk, REMAIN, '5 → 3 (reconfig)');
    expect(await pids(REMAIN)).toEqual(before);
    const modes = await Promise.all(REMAIN.map(ownMode));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);
    for (const h of REMAIN) expect(await ownMembers(h)).toEqual([1, 2, 3]);
    for (const h of ['zk4', 'zk5']) {
      expect(await ownMode(h)).toBe('no answer');
      expect((await hostSsh(h, 'cat /var/lib/zookeeper/myid')).stdout.trim()).toBe(h.slice(2));
    }
    const get = await hostSsh('zk1', '/usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 get /zkk-e2e-scale 2>&1');
    expect(get.stdout).toMatch(/^written before$/m);
    expect(proof.reads).toBeGreaterThan(20);
    expect(proof.failures).toBe(0);
    const again = await runZkk(['deploy', shrunk, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
    const off = await runZkk(['plan', inventory(REMAIN), '--json']);
    expect(off.code).toBe(2);
    expect(off.stderr + off.stdout).toMatch(/zookeeper\.reconfig: false does not match the running ensemble: zk\d runs a dynamic config/);
  }, T(600_000));
});
