/**
 * The ZooKeeper restart gate judges the ensemble as it runs: the leader's voting members
 * (its conf membership) and each member's own srvr, never the inventory's target size.
 */
import { describe, expect, it } from 'vitest';
import { parseConfMembership, restartKeepsQuorum, type LiveMember } from '../../../src/roles/zookeeper/live-quorum.js';

const CONF_38 = `clientPort=2181
secureClientPort=-1
dataDir=/var/lib/zookeeper/version-2
serverId=3
initLimit=10
syncLimit=5
electionAlg=3
electionPort=3888
quorumPort=2888
peerType=0
membership: 
server.1=10.213.0.11:2888:3888:participant
server.2=10.213.0.12:2888:3888:participant
server.3=10.213.0.13:2888:3888:participant;0.0.0.0:2181
server.9=10.213.0.19:2888:3888:observer
version=100000000
`;

const m = (host: string, id: number, mode: LiveMember['mode']): LiveMember => ({ host, id, mode });

describe('parseConfMembership', () => {
  it('reads the participants of the membership, not the observers', () => {
    expect(parseConfMembership(CONF_38)).toEqual([1, 2, 3]);
  });
  it('no membership (ZooKeeper 3.4, conf not allowed, no answer): undefined', () => {
    expect(parseConfMembership('clientPort=2181\nserverId=1\n')).toBeUndefined();
    expect(parseConfMembership('conf is not executed because it is not in the whitelist.\n')).toBeUndefined();
    expect(parseConfMembership('')).toBeUndefined();
  });
});

describe('restartKeepsQuorum', () => {
  const grown = [m('zk1', 1, 'follower'), m('zk4', 4, 'follower'), m('zk2', 2, 'follower'), m('zk5', 5, 'follower'), m('zk3', 3, 'leader')];

  it('3 → 5: the old members are judged against the leader\'s 3 (quorum 2), not the inventory\'s 5', () => {
    const live = { voters: [1, 2, 3], fallbackVoters: [1, 2, 3, 4, 5], members: grown };
    const v = restartKeepsQuorum(live, 1);
    expect(v).toMatchObject({ ok: true });
    expect(v.ok && v.detail).toMatch(/3 of the 3 voting members of leader zk3 serving \(1, 2, 3\), quorum 2/);
  });

  it('the issue\'s deadlock: with the target counted (5, quorum 3) and 2 new servers not yet joined, nothing could restart; live it can', () => {
    const joining = [m('zk1', 1, 'follower'), m('zk4', 4, 'not-serving'), m('zk2', 2, 'follower'), m('zk5', 5, 'down'), m('zk3', 3, 'leader')];
    expect(restartKeepsQuorum({ voters: [1, 2, 3], fallbackVoters: [1, 2, 3, 4, 5], members: joining }, 2).ok).toBe(true);
  });

  it('joined newcomers do not count towards the old quorum: one old member down → the next restart waits', () => {
    const members = [m('zk1', 1, 'down'), m('zk4', 4, 'follower'), m('zk2', 2, 'follower'), m('zk5', 5, 'follower'), m('zk3', 3, 'leader')];
    const v = restartKeepsQuorum({ voters: [1, 2, 3], fallbackVoters: [1, 2, 3, 4, 5], members }, 2);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(/2 of the 3 voting members of leader zk3 serving .* quorum 2: restarting myid 2 would leave 1/);
  });

  it('restarting a member that is down or not serving takes nothing away', () => {
    const members = [m('zk1', 1, 'down'), m('zk2', 2, 'follower'), m('zk3', 3, 'leader')];
    expect(restartKeepsQuorum({ voters: [1, 2, 3], fallbackVoters: [1, 2, 3], members }, 1)).toMatchObject({ ok: true });
  });

  it('5 → 3: the leader still runs 5 members (quorum 3), 4 of them serving → one may restart', () => {
    const members = [m('zk1', 1, 'follower'), m('zk2', 2, 'follower'), m('zk3', 3, 'follower'), m('zk4', 4, 'down'), m('zk5', 5, 'leader')];
    expect(restartKeepsQuorum({ voters: [1, 2, 3, 4, 5], fallbackVoters: [1, 2, 3], members }, 1).ok).toBe(true);
    const fewer = members.map((x) => (x.id === 2 ? { ...x, mode: 'down' as const } : x));
    expect(restartKeepsQuorum({ voters: [1, 2, 3, 4, 5], fallbackVoters: [1, 2, 3], members: fewer }, 1).ok).toBe(false);
  });

  it('a standalone server has no quorum to keep', () => {
    expect(restartKeepsQuorum({ fallbackVoters: [1], members: [m('zk1', 1, 'standalone')] }, 1)).toMatchObject({ ok: true });
  });

  it('no leader: refused, naming what every member said', () => {
    const v = restartKeepsQuorum({ voters: undefined, fallbackVoters: [1, 2, 3], members: [m('zk1', 1, 'follower'), m('zk2', 2, 'not-serving'), m('zk3', 3, 'down')] }, 1);
    expect(!v.ok && v.reason).toMatch(/no ZooKeeper server reports itself leader \(zk1=follower, zk2=not-serving, zk3=down\)/);
  });

  it('a leader that does not list its members (3.4, conf not allowed): the inventory\'s ids, said so', () => {
    const v = restartKeepsQuorum({ voters: undefined, fallbackVoters: [1, 2, 3], members: [m('zk1', 1, 'follower'), m('zk2', 2, 'follower'), m('zk3', 3, 'leader')] }, 1);
    expect(v.ok && v.detail).toMatch(/the inventory: the leader did not list its members/);
  });
});

describe('zkk plan lists the ZooKeeper cluster steps in run order, the gate before each restart', () => {
  it('3 → 5: new servers started first, then the old ones rolled, the leader last', async () => {
    const { parseInventory } = await import('../../../src/inventory/load.js');
    const { inventorySections } = await import('../../../src/roles/all-roles.js');
    const { Facts } = await import('../../../src/facts/gather.js');
    const { fourLetterWordsProbe } = await import('../../../src/roles/zookeeper/health.js');
    const { zookeeperProcessProbe, zookeeperRole, ZK_START_STEP } = await import('../../../src/roles/zookeeper/zookeeper-role.js');
    const names = ['zk1', 'zk4', 'zk2', 'zk5', 'zk3'];
    const inv = parseInventory(`cluster: c\nhosts:\n${names.map((n) => `  - { name: ${n}, address: 10.214.1.${n.slice(2)}, roles: [zookeeper] }`).join('\n')}\nzookeeper: { version: 3.8.4 }\n`, '/tmp/i.yml', inventorySections);
    const modes: Record<string, string> = { zk1: 'follower', zk2: 'leader', zk3: 'follower' };
    const planned = inv.hosts.map((host) => {
      const facts = new Facts();
      const s = host.zookeeper!;
      facts.set(fourLetterWordsProbe(s.clientPort).key, { srvr: { mode: modes[host.name] ?? 'down' } });
      facts.set(zookeeperProcessProbe(s).key, { running: host.name in modes });
      const isNew = !(host.name in modes);
      return { host, facts, changes: new Set(isNew ? [ZK_START_STEP, 'zookeeper.restart'] : ['zookeeper.render-zoo-cfg', 'zookeeper.restart']) };
    });
    const lines = zookeeperRole.planConverge!(inv, planned);
    expect(lines[0]).toMatch(/^start zk4 \(myid 2\), zk5 \(myid 4\) with the 5-server list/);
    expect(lines.slice(1, 4).map((l) => /restart (\S+)/.exec(l)?.[1])).toEqual(['zk1', 'zk3', 'zk2']);
    expect(lines.slice(1, 4).every((l) => l.startsWith('gate: '))).toBe(true);
    expect(lines[3]).toMatch(/zk2 \(myid 3, leader\), the leader last/);
    expect(lines[4]).toMatch(/wait until the ensemble serves: 5 server\(s\), one leader/);
  });
});
