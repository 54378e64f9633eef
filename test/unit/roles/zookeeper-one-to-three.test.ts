/**
 * ZooKeeper 1 → 3 with the static config. Two new, empty servers started with the 3-server
 * list would be a quorum of 3 on their own: they would elect one of themselves, and the old
 * server, restarted into that ensemble, would follow it and be truncated to its empty tree.
 * So zkk starts one new server (it looks: the standalone server is in no ensemble), restarts
 * the old one with the 3-server list (the election picks the highest epoch, zxid, then myid:
 * the old server's data), and starts the last one after. `zkk plan` says so, in that order,
 * with the brief unavailability.
 */
import { describe, expect, it } from 'vitest';
import { Facts } from '../../../src/facts/gather.js';
import { osProbe, serviceRegistrationProbe } from '../../../src/facts/probes.js';
import { parseInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/resolve.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { fourLetterWordsProbe, type ZkMode } from '../../../src/roles/zookeeper/health.js';
import { myidProbe, settleZookeeperIds, snapshotProbe } from '../../../src/roles/zookeeper/identities.js';
import { ZK_START_STEP, zookeeperProcessProbe, zookeeperRole } from '../../../src/roles/zookeeper/zookeeper-role.js';

const zkHost = (n: number) => `  - { name: zk${n}, address: 10.213.0.${10 + n}, roles: [zookeeper] }`;
const inventory = (n: number[]) => parseInventory(`cluster: c\nhosts:\n${n.map(zkHost).join('\n')}\nzookeeper: { version: 3.8.4 }\n`, '/tmp/inv.yml', inventorySections);

interface Server { myid?: number; data: boolean; mode: ZkMode }
/** Facts per host: its myid file, whether it holds data, runs, and what its srvr says. */
function hostFacts(inv: Inventory, servers: Record<string, Server>): Map<number, Facts> {
  return new Map(
    inv.hosts.map((h) => {
      const f = new Facts();
      const s = h.zookeeper!;
      const x = servers[h.name] ?? { data: false, mode: 'down' };
      f.set(myidProbe(s).key, x.myid === undefined ? { kind: 'missing' } : { kind: 'file', owner: 'zookeeper', group: 'zookeeper', mode: '0644', size: 2, mtime: 1, sha256: 'x', content: `${x.myid}\n` });
      f.set(snapshotProbe(s).key, x.data ? '2' : '0');
      f.set(zookeeperProcessProbe(s).key, x.mode === 'down' ? { running: false } : { running: true, pid: 100 });
      f.set(fourLetterWordsProbe(s.clientPort).key, { srvr: { mode: x.mode } });
      f.set(osProbe().key, { id: 'debian', init: 'sysv', tools: new Set(['update-rc.d']) });
      f.set(serviceRegistrationProbe(s.serviceName, 'sysv').key, { enabled: true });
      return [h.index, f];
    }),
  );
}

/** What apply leaves to converge: zk1's new zoo.cfg (a restart), the new servers' start (held back: a restart handler of converge). */
function planned(inv: Inventory, facts: Map<number, Facts>) {
  return inv.hosts.map((host) => {
    const s = host.zookeeper!;
    const running = facts.get(host.index)!.get(zookeeperProcessProbe(s)).running;
    const changes = running ? ['zookeeper.render-zoo-cfg', 'zookeeper.restart'] : [ZK_START_STEP, ...(s.joinAfterRoll ? ['zookeeper.join-after-roll'] : [])];
    return { host, facts: facts.get(host.index)!, changes: new Set(changes) };
  });
}

describe('ZooKeeper 1 → 3 (static config)', () => {
  const standalone = { zk1: { myid: 1, data: true, mode: 'standalone' as ZkMode } };

  it('the new servers get the lowest free myids (2, 3); zk1 keeps 1; only zk3 waits for the roll', () => {
    const inv = inventory([1, 2, 3]);
    const { inv: settled, ids } = settleZookeeperIds(inv, hostFacts(inv, standalone));
    expect(ids.map((i) => `${i.host}=${i.id}:${i.source}`)).toEqual(['zk1=1:on disk', 'zk2=2:assigned', 'zk3=3:assigned']);
    expect(settled.hosts.map((h) => h.zookeeper!.joinAfterRoll)).toEqual([false, false, true]);
  });

  it('plan, in run order: start zk2 (it looks), restart zk1 with the 3-server list (brief unavailability, zk1 elected), then start zk3', () => {
    const inv = inventory([1, 2, 3]);
    const facts = hostFacts(inv, standalone);
    const settled = settleZookeeperIds(inv, facts).inv;
    const lines = zookeeperRole.planConverge!(settled, planned(settled, facts));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^start zk2 \(myid 2\) with the 3-server list \(apply step zookeeper\.start\): it looks for a leader and elects none — zk1 runs standalone/);
    expect(lines[0]).not.toMatch(/zk3/);
    expect(lines[1]).toMatch(/^gate: standalone, no quorum to keep → restart zk1 \(myid 1, standalone\) with the 3-server list → ZooKeeper is unavailable from this restart until zk1 and zk2 have elected zk1 \(the election goes by epoch, zxid, then myid: zk1 holds the data, zk2 is empty\)/);
    expect(lines[1]).toMatch(/unavoidable with a static config → wait until zk1 leads$/);
    expect(lines[2]).toMatch(/^start zk3 \(myid 3\), a new server held back until now/);
    expect(lines[3]).toMatch(/^wait until the ensemble serves: 3 server\(s\), one leader/);
  });

  it('a rerun after zk2 started (looking, its empty tree written as snapshot.0 only): zk3 still waits', () => {
    const inv = inventory([1, 2, 3]);
    const facts = hostFacts(inv, { ...standalone, zk2: { myid: 2, data: false, mode: 'not-serving' } });
    expect(settleZookeeperIds(inv, facts).inv.hosts.map((h) => h.zookeeper!.joinAfterRoll)).toEqual([false, false, true]);
  });

  it('new hosts holding stale data (an earlier ensemble, stopped): still only one starts before the roll', () => {
    const inv = inventory([1, 2, 3]);
    const facts = hostFacts(inv, { ...standalone, zk2: { myid: 2, data: true, mode: 'down' }, zk3: { myid: 3, data: true, mode: 'down' } });
    expect(settleZookeeperIds(inv, facts).inv.hosts.map((h) => h.zookeeper!.joinAfterRoll)).toEqual([false, false, true]);
  });

  it('3 → 5 keeps its plan: both new servers first, joined before any restart', () => {
    const inv = inventory([1, 2, 3, 4, 5]);
    const facts = hostFacts(inv, { zk1: { myid: 1, data: true, mode: 'follower' }, zk2: { myid: 2, data: true, mode: 'leader' }, zk3: { myid: 3, data: true, mode: 'follower' } });
    const settled = settleZookeeperIds(inv, facts).inv;
    const lines = zookeeperRole.planConverge!(settled, planned(settled, facts));
    expect(lines[0]).toMatch(/^start zk4 \(myid 4\), zk5 \(myid 5\) with the 5-server list .*wait until they serve \(joined the running leader\) before any restart/);
    expect(lines.slice(1, 4).map((l) => /restart (\S+)/.exec(l)?.[1])).toEqual(['zk1', 'zk3', 'zk2']);
  });
});
