/**
 * Issue 13: a ZooKeeper `version:` change is a rolling upgrade. 3 nodes on 3.8.x (Maven Central
 * fixture), then 3.9.x in one deploy while a client reads throughout: the new release unpacked
 * beside the old one, the link switched, followers restarted first and the leader last, no gap
 * longer than one election, the znode intact, the previous release kept for a rollback, then a
 * second deploy with 0 changed.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSsh, hostsDown, hostsUp, T, TARGET, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startZkReader } from '../e2e/traffic.js';

const HOSTS = ['zk1', 'zk2', 'zk3'];
const v = fixtureVersions();
let info: TargetInfo;
let dir: string;
/** from when the lab is ours (waiting for the lab lease is not this file's time) */
let t0 = Date.now();

function inventory(version: string): string {
  return writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['zookeeper'] })), { zookeeper: { version, heapMb: 128, release: { mirror: MIRROR } } }, dir);
}

/** per host: the server's mode and how many seconds ago its JVM started */
async function servers(): Promise<Record<string, { mode: string; ageS: number }>> {
  const out: Record<string, { mode: string; ageS: number }> = {};
  for (const h of HOSTS) {
    const r = await hostSsh(h, 'pid=$(cat /var/lib/zookeeper/zookeeper_server.pid); echo "age=$(ps -o etimes= -p "$pid" | tr -d " ")"; exec 3<>/dev/tcp/127.0.0.1/2181; printf srvr >&3; cat <&3');
    out[h] = { mode: /^Mode: (\w+)/m.exec(r.stdout)?.[1] ?? 'down', ageS: Number(/^age=(\d+)/m.exec(r.stdout)?.[1] ?? -1) };
  }
  return out;
}

beforeAll(async () => {
  info = await hostsUp(HOSTS);
  t0 = Date.now();
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-upgrade-zk-'));
}, T(1_800_000));

afterAll(async () => {
  await hostsDown();
  console.log(`upgrade-zookeeper.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(1_800_000));

describe(`ZooKeeper rolling upgrade ${v.zookeeper38} → ${v.zookeeper39}`, () => {
  it(`deploys ${v.zookeeper38}`, async () => {
    const r = await runZkk(['deploy', inventory(v.zookeeper38), '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    const ver = await hostSsh('zk1', '/usr/local/zookeeper/bin/zkServer.sh version 2>/dev/null | tail -n1');
    expect(ver.stdout).toContain(`version ${v.zookeeper38}`);
  }, T(240_000));

  it('a version change under a reader: refused while a server is down; plan shows the unpack, the link and the gated restarts; deploy rolls followers first, leader last', async () => {
    const old = inventory(v.zookeeper38);
    const inv = inventory(v.zookeeper39);
    const reader = await startZkReader(info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `${h.address}:2181`), '/zkk-e2e-upgrade', 'kept through the upgrade');
    // a server down: the upgrade is refused before anything changes (exit 1, the server named)
    const modes = await servers();
    const down = HOSTS.find((h) => modes[h]!.mode === 'follower')!;
    const stop = await runZkk(['stop', old, '--limit', down]);
    expect(stop.code, stop.stderr + stop.stdout).toBe(0);
    const sick = await runZkk(['plan', inv]);
    expect(sick.code, sick.stderr + sick.stdout).toBe(1);
    expect(sick.stderr + sick.stdout).toContain(`refusing to upgrade ZooKeeper ${v.zookeeper38} → ${v.zookeeper39} while the cluster is not healthy: server ${down} down`);
    const start = await runZkk(['start', old, '--limit', down]);
    expect(start.code, start.stderr + start.stdout).toBe(0);

    const before = await servers();
    const leader = HOSTS.find((h) => before[h]!.mode === 'leader')!;
    expect(leader, JSON.stringify(before)).toBeDefined();
    const plan = await runZkk(['plan', inv, '--detailed-exitcode']);
    expect(plan.code, plan.stderr).toBe(4);
    // the steps in order: unpack beside the old release, the link, then one gated restart per server, the leader last
    expect(plan.stdout).toContain(`apache-zookeeper-${v.zookeeper39}-bin.tar.gz`);
    expect(plan.stdout).toContain(`keep /usr/local/zookeeper-${v.zookeeper38} for a rollback`);
    const gates = plan.stdout.split('\n').filter((l) => /^ {2}\d+\. gate: /.test(l));
    expect(gates, plan.stdout).toHaveLength(3);
    expect(gates[2]).toMatch(new RegExp(`restart ${leader} \\(myid \\d, leader\\), the leader last`));
    const started = Date.now();
    const r = await runZkk(['deploy', inv, '--json']);
    const rollS = (Date.now() - started) / 1000;
    const { reads, failures, longestGapMs } = await reader.stop();
    expect(r.code, whyFailed(r)).toBe(0);
    console.log(`ZooKeeper upgrade of 3 nodes: ${rollS.toFixed(1)} s (deploy), longest read gap ${longestGapMs} ms, ${failures} failed reads of ${reads}`);
    const changed = changedSteps(r.report!);
    for (const host of HOSTS) {
      expect(changed).toContainEqual({ host, id: 'zookeeper.release' });
      expect(changed).toContainEqual({ host, id: 'zookeeper.install-link' });
    }
    // every server restarted onto the new release; the old leader's JVM is the youngest (restarted last)
    const after = await servers();
    for (const h of HOSTS) {
      expect(after[h]!.ageS, h).toBeLessThan(rollS + 5);
      const ver = await hostSsh(h, '/usr/local/zookeeper/bin/zkServer.sh version 2>/dev/null | tail -n1; readlink /usr/local/zookeeper');
      expect(ver.stdout).toContain(`version ${v.zookeeper39}`);
      expect(ver.stdout).toContain(`/usr/local/zookeeper-${v.zookeeper39}`);
    }
    const youngest = Math.min(...HOSTS.map((h) => after[h]!.ageS));
    expect(after[leader]!.ageS, JSON.stringify({ leader, after })).toBe(youngest);
    expect(HOSTS.filter((h) => after[h]!.ageS === youngest), JSON.stringify(after)).toEqual([leader]);
    // the client was served throughout: no gap longer than one election (+ restart)
    expect(reads).toBeGreaterThan(20);
    expect(longestGapMs, `${failures} failed reads`).toBeLessThan(TARGET === 'vagrant' ? 30_000 : 8000);
    const get = await hostSsh('zk2', '/usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 get /zkk-e2e-upgrade 2>&1');
    expect(get.stdout).toMatch(/^kept through the upgrade$/m);
    // the previous release stays for a rollback
    const ls = await hostSsh('zk1', 'ls -d /usr/local/zookeeper-*');
    expect(ls.stdout.trim().split('\n').sort()).toEqual([`/usr/local/zookeeper-${v.zookeeper38}`, `/usr/local/zookeeper-${v.zookeeper39}`]);
  }, T(300_000));

  it('deploy again → 0 changed', async () => {
    const r = await runZkk(['deploy', inventory(v.zookeeper39), '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(changedSteps(r.report!)).toEqual([]);
  }, T(180_000));
});
