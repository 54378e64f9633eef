// Proof that the ZooKeeper fixture (test/fixtures/build.sh) behaves like an upstream release on
// lab hosts: a 3-node ensemble started by hand over ssh elects exactly one leader. Independent of
// zkk's own code. Run as root: npx vitest run test/lab/proof-zookeeper.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labUp, type LabInfo } from './lab.js';
import { ensureFixtures, type Fixtures } from '../fixtures/fixtures.js';
import {
  deploy,
  log,
  Pids,
  secs,
  sh,
  startZkEnsemble,
  stopByPid,
  waitForQuorum,
  zkMode,
  type Host,
} from '../fixtures/proof-lab.js';

const HOSTS = ['zk1', 'zk2', 'zk3'];

describe('ZooKeeper fixture on 3 lab hosts', () => {
  let fx: Fixtures;
  let hosts: Host[];
  let zkHome: string;
  const pids = new Pids();

  beforeAll(async () => {
    fx = ensureFixtures();
    log(`fixture ${fx.zookeeper.path} (sha512 ${fx.zookeeper.sha512.slice(0, 16)}…)`);
    let t0 = performance.now();
    const info: LabInfo = await labUp(HOSTS);
    hosts = HOSTS.map((n) => {
      const h = info.hosts.find((x) => x.name === n);
      if (!h) throw new Error(`labUp did not bring up ${n}`);
      return { name: h.name, address: h.address };
    });
    log(`lab up (${hosts.map((h) => `${h.name}=${h.address}`).join(' ')}) in ${secs(t0)} s`);
    t0 = performance.now();
    zkHome = await deploy(info, hosts, fx.zookeeper);
    log(`tarball copied, checked and unpacked on 3 hosts in ${secs(t0)} s`);
  }, 600_000);

  afterAll(async () => {
    try {
      const left = pids.entries();
      if (left.length) log(`stopped ${left.length} JVM(s) by PID in ${await stopByPid(left, pids, 20_000)} s`);
    } finally {
      await labDown();
    }
  }, 180_000);

  it('reaches exactly one leader and two followers (Mode: from zkServer.sh status)', async () => {
    const t0 = performance.now();
    const started = await startZkEnsemble(hosts, zkHome, pids);
    const modes = await waitForQuorum(hosts, zkHome, 90_000);
    log(`zkServer.sh start x3 -> ${[...modes].map(([h, m]) => `${h}:${m}`).join(' ')} in ${secs(t0)} s`);
    const values = [...modes.values()];
    expect(values.filter((m) => m === 'leader')).toHaveLength(1);
    expect(values.filter((m) => m === 'follower')).toHaveLength(2);

    // each server's PID (from its pid file) is a QuorumPeerMain JVM
    for (const h of hosts) {
      const cmd = await sh(h, `tr '\\0' ' ' < /proc/${started.get(h.name)}/cmdline`);
      expect(cmd).toContain('org.apache.zookeeper.server.quorum.QuorumPeerMain');
    }

    // the ensemble serves: write through one member with zkCli.sh, read through another
    await sh(hosts[0], `${zkHome}/bin/zkCli.sh -server ${hosts[0].address}:2181 create /zkk-proof fixture-ok`);
    const got = await sh(hosts[2], `${zkHome}/bin/zkCli.sh -server ${hosts[2].address}:2181 get /zkk-proof 2>/dev/null`);
    expect(got.split('\n')).toContain('fixture-ok');

    // upstream-style env and layout: logs in ZOO_LOG_DIR, no stray zookeeper.log in the cwd
    for (const h of hosts) {
      await sh(h, `ls /var/log/zookeeper/zookeeper-*-server-*.out && ! ls /root/zookeeper.log 2>/dev/null`);
    }

    // stop the leader by PID: the other two elect a new one
    const leader = hosts.find((h) => modes.get(h.name) === 'leader')!;
    await stopByPid([{ host: leader, pid: started.get(leader.name)! }], pids);
    const t1 = performance.now();
    const rest = hosts.filter((h) => h !== leader);
    const after = await waitForQuorum(rest, zkHome, 60_000);
    log(`leader ${leader.name} stopped -> ${[...after].map(([h, m]) => `${h}:${m}`).join(' ')} in ${secs(t1)} s`);
    expect([...after.values()].filter((m) => m === 'leader')).toHaveLength(1);
    expect(await zkMode(leader, zkHome)).toBeUndefined();
  }, 180_000);
});
