/**
 * Ids are identities, never positions: what a host holds on disk is kept whatever the
 * inventory order, new hosts take their explicit id or the lowest free one, and a
 * contradiction (explicit id against the disk, two hosts with one id on disk) is refused
 * with exit 2 naming the host, both ids and the way out.
 */
import { describe, expect, it } from 'vitest';
import { Facts } from '../../../src/facts/gather.js';
import { parseInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/resolve.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { isZkkError } from '../../../src/errors/zkk-error.js';
import { settleIds } from '../../../src/roles/stable-ids.js';
import { fourLetterWordsProbe } from '../../../src/roles/zookeeper/health.js';
import { myidProbe, settleZookeeperIds, snapshotProbe } from '../../../src/roles/zookeeper/identities.js';
import { zookeeperProcessProbe } from '../../../src/roles/zookeeper/process.js';
import { metaProbe, parseMetaProperties, settleKafkaIds } from '../../../src/roles/kafka/identities.js';
import { renderZookeeperFiles } from '../../../src/roles/zookeeper/config.js';

const rules = { what: 'myid', field: 'myid', min: 1, max: 255 };

function refused(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isZkkError(e) && e.exitCode === 2) return e.message;
    throw e;
  }
  throw new Error('not refused');
}

describe('settleIds', () => {
  it('a fresh cluster: 1, 2, 3 in host order', () => {
    const s = settleIds(['a', 'b', 'c'].map((host, index) => ({ host, index, where: 'myid' })), rules);
    expect(s.map((x) => [x.host, x.id, x.source])).toEqual([['a', 1, 'assigned'], ['b', 2, 'assigned'], ['c', 3, 'assigned']]);
  });

  it('insert in the middle: the old hosts keep their ids, the new ones take the lowest free', () => {
    const s = settleIds(
      [
        { host: 'zk1', index: 0, onDisk: 1, where: 'myid' },
        { host: 'zk4', index: 1, where: 'myid' },
        { host: 'zk2', index: 2, onDisk: 2, where: 'myid' },
        { host: 'zk5', index: 3, where: 'myid' },
        { host: 'zk3', index: 4, onDisk: 3, where: 'myid' },
      ],
      rules,
    );
    expect(s.map((x) => `${x.host}=${x.id}:${x.source}`)).toEqual(['zk1=1:on disk', 'zk4=4:assigned', 'zk2=2:on disk', 'zk5=5:assigned', 'zk3=3:on disk']);
  });

  it('a gap left by a removed host is filled first; explicit ids are never handed out', () => {
    const s = settleIds(
      [
        { host: 'a', index: 0, onDisk: 1, where: 'myid' },
        { host: 'b', index: 1, onDisk: 3, where: 'myid' },
        { host: 'new1', index: 2, where: 'myid' },
        { host: 'new2', index: 3, asked: 4, where: 'myid' },
        { host: 'new3', index: 4, where: 'myid' },
      ],
      rules,
    );
    expect(s.map((x) => x.id)).toEqual([1, 3, 2, 4, 5]);
    expect(s[3]!.source).toBe('inventory');
  });

  it('an explicit id equal to the one on disk is fine', () => {
    expect(settleIds([{ host: 'a', index: 0, onDisk: 7, asked: 7, where: 'myid' }], rules)[0]).toMatchObject({ id: 7, source: 'on disk' });
  });

  it('refused: an explicit id that contradicts the disk names host, both ids and the way out', () => {
    const msg = refused(() => settleIds([{ host: 'zk2', index: 1, onDisk: 2, asked: 3, where: '/var/lib/zookeeper/myid' }], rules));
    expect(msg).toMatch(/zk2: myid on disk is 2 \(\/var\/lib\/zookeeper\/myid\) but the inventory asks for 3 \(hosts\[1\]\.myid\)/);
    expect(msg).toMatch(/remove myid from the host \(zkk keeps 2\) or set it to 2/);
  });

  it('refused: two hosts holding the same id on disk', () => {
    const msg = refused(() => settleIds([{ host: 'a', index: 0, onDisk: 2, where: 'x' }, { host: 'b', index: 1, onDisk: 2, where: 'y' }], rules));
    expect(msg).toMatch(/a and b both hold myid 2 on disk/);
  });

  it('refused: an explicit id that another host holds on disk', () => {
    const msg = refused(() => settleIds([{ host: 'old', index: 0, onDisk: 1, where: 'x' }, { host: 'new', index: 1, asked: 1, where: 'y' }], rules));
    expect(msg).toMatch(/new: the inventory asks for myid 1 .* but old already holds it on disk/);
  });

  it('a host not reached keeps its inventory-order id before new hosts pick theirs', () => {
    const s = settleIds([{ host: 'down', index: 0, onDisk: 'unread', where: 'x' }, { host: 'b', index: 1, onDisk: 2, where: 'y' }, { host: 'new', index: 2, where: 'z' }], rules);
    expect(s.map((x) => [x.id, x.unread ?? false])).toEqual([[1, true], [2, false], [3, false]]);
  });

  it('refused: no free id left in the range', () => {
    expect(refused(() => settleIds([{ host: 'a', index: 0, onDisk: 1, where: 'x' }, { host: 'b', index: 1, where: 'y' }], { ...rules, max: 1 }))).toMatch(/no free myid/);
  });
});

const inventory = (hosts: string[]) => parseInventory(`cluster: c\nhosts:\n${hosts.map((h) => `  - ${h}`).join('\n')}\nzookeeper: { version: 3.8.4 }\n`, '/tmp/inv.yml', inventorySections);
const zkHost = (name: string, extra = '') => `{ name: ${name}, address: 10.214.1.${name.replace(/\D/g, '')}, roles: [zookeeper]${extra} }`;

/** Facts with only the myid file of each host, by host name. */
function myidFacts(inv: Inventory, myids: Record<string, number | undefined>): Map<number, Facts> {
  return new Map(
    inv.hosts.map((h) => {
      const f = new Facts();
      const id = myids[h.name];
      f.set(myidProbe(h.zookeeper!).key, id === undefined ? { kind: 'missing' } : { kind: 'file', owner: 'zookeeper', group: 'zookeeper', mode: '0644', size: 2, mtime: 1, sha256: 'x', content: `${id}\n` });
      f.set(snapshotProbe(h.zookeeper!).key, id === undefined ? '0' : '1');
      f.set(zookeeperProcessProbe(h.zookeeper!).key, { running: id !== undefined });
      f.set(fourLetterWordsProbe(h.zookeeper!.clientPort).key, { srvr: { mode: id === undefined ? 'down' : Object.keys(myids).length === 1 ? 'standalone' : 'follower' } });
      return [h.index, f];
    }),
  );
}

describe('ZooKeeper myids settled from the hosts', () => {
  const deployed = { zk1: 1, zk2: 2, zk3: 3 };

  it('reorder and rename: the same ids, the same zoo.cfg server lines on every host', () => {
    const before = inventory([zkHost('zk1'), zkHost('zk2'), zkHost('zk3')]);
    const after = parseInventory(
      `cluster: c\nhosts:\n  - { name: third, address: 10.214.1.3, roles: [zookeeper] }\n  - { name: first, address: 10.214.1.1, roles: [zookeeper] }\n  - { name: second, address: 10.214.1.2, roles: [zookeeper] }\nzookeeper: { version: 3.8.4 }\n`,
      '/tmp/inv.yml',
      inventorySections,
    );
    const a = settleZookeeperIds(before, myidFacts(before, deployed)).inv;
    const b = settleZookeeperIds(after, myidFacts(after, { third: 3, first: 1, second: 2 })).inv;
    // the whole zoo.cfg, byte for byte: the server list goes by myid, not by inventory order
    const zooCfg = (inv: Inventory) => renderZookeeperFiles(inv, inv.hosts.find((h) => h.address === '10.214.1.1') as never).zooCfg;
    expect(zooCfg(b)).toBe(zooCfg(a));
    expect(zooCfg(b)).toMatch(/server\.1=10\.214\.1\.1:.*\nserver\.2=10\.214\.1\.2:.*\nserver\.3=10\.214\.1\.3:/);
    expect(b.hosts.map((h) => [h.name, h.zookeeper!.myid])).toEqual([['third', 3], ['first', 1], ['second', 2]]);
  });

  it('the issue scenario: zk4, zk5 inserted among zk1-zk3 get 4 and 5, zk1-zk3 keep 1-3', () => {
    const inv = inventory([zkHost('zk1'), zkHost('zk4'), zkHost('zk2'), zkHost('zk5'), zkHost('zk3')]);
    const { inv: settled, ids } = settleZookeeperIds(inv, myidFacts(inv, deployed));
    expect(settled.hosts.map((h) => `${h.name}=${h.zookeeper!.myid}`)).toEqual(['zk1=1', 'zk4=4', 'zk2=2', 'zk5=5', 'zk3=3']);
    expect(ids.map((i) => i.source)).toEqual(['on disk', 'assigned', 'on disk', 'assigned', 'on disk']);
    // two new servers are no quorum of 5: both start before the roll
    expect(settled.hosts.map((h) => h.zookeeper!.joinAfterRoll)).toEqual([false, false, false, false, false]);
    // the provisional ids of the inventory alone would have been position-free too: explicit ones kept, others lowest free
    expect(inv.hosts.map((h) => h.zookeeper!.myid)).toEqual([1, 2, 3, 4, 5]);
  });

  it('1 → 3: the second new server starts only after the roll (two new ones would be a quorum of 3 without the data)', () => {
    const inv = inventory([zkHost('zk1'), zkHost('zk2'), zkHost('zk3')]);
    const settled = settleZookeeperIds(inv, myidFacts(inv, { zk1: 1 })).inv;
    expect(settled.hosts.map((h) => h.zookeeper!.joinAfterRoll)).toEqual([false, false, true]);
  });

  it('refused with exit 2: an explicit myid against the myid file', () => {
    const inv = inventory([zkHost('zk1'), zkHost('zk2', ', myid: 5'), zkHost('zk3')]);
    expect(refused(() => settleZookeeperIds(inv, myidFacts(inv, deployed)))).toMatch(/zk2: myid on disk is 2 .* asks for 5/);
  });

  it('refused: a myid file that holds no number', () => {
    const inv = inventory([zkHost('zk1')]);
    const facts = myidFacts(inv, {});
    facts.get(0)!.set(myidProbe(inv.hosts[0]!.zookeeper!).key, { kind: 'file', owner: 'zookeeper', group: 'zookeeper', mode: '0644', size: 4, mtime: 1, sha256: 'x', content: 'abc\n' });
    expect(refused(() => settleZookeeperIds(inv, facts))).toMatch(/does not hold a myid/);
  });
});

describe('Kafka node ids settled from meta.properties', () => {
  const kinv = (hosts: string[]) =>
    parseInventory(`cluster: c\nhosts:\n${hosts.map((h) => `  - ${h}`).join('\n')}\nkafka: { version: 3.9.2, mode: kraft, logDirs: [/d1, /d2] }\n`, '/tmp/inv.yml', inventorySections);
  const kHost = (name: string, extra = '') => `{ name: ${name}, address: 10.214.1.${name.replace(/\D/g, '')}, roles: [kafka]${extra} }`;
  const meta = (id: number, dir = 'AAAAAAAAAAAAAAAAAAAAAA') => `version=1\ncluster.id=Cl\nnode.id=${id}\ndirectory.id=${dir}\n`;
  function facts(inv: Inventory, metas: Record<string, [string?, string?]>): Map<number, Facts> {
    return new Map(
      inv.hosts.map((h) => {
        const f = new Facts();
        const [m1, m2] = metas[h.name] ?? [];
        f.set(metaProbe('/d1').key, m1 ? { kind: 'file', content: m1 } : { kind: 'missing' });
        f.set(metaProbe('/d2').key, m2 ? { kind: 'file', content: m2 } : { kind: 'missing' });
        return [h.index, f];
      }),
    );
  }

  it('parses broker.id (ZooKeeper mode) and node.id / directory.id (KRaft)', () => {
    expect(parseMetaProperties('version=0\nbroker.id=7\ncluster.id=x\n')).toEqual({ nodeId: 7, clusterId: 'x' });
    expect(parseMetaProperties(meta(2, 'dirid'))).toEqual({ nodeId: 2, clusterId: 'Cl', directoryId: 'dirid' });
  });

  it('keeps node ids and directory ids across a reorder; a new broker takes the lowest free id', () => {
    const inv = kinv([kHost('k3'), kHost('k9'), kHost('k1'), kHost('k2')]);
    const { inv: s, ids } = settleKafkaIds(inv, facts(inv, { k1: [meta(1, 'd1a'), meta(1, 'd1b')], k2: [meta(2)], k3: [meta(3)] }));
    expect(s.hosts.map((h) => `${h.name}=${h.kafka!.nodeId}`)).toEqual(['k3=3', 'k9=4', 'k1=1', 'k2=2']);
    expect(s.hosts[2]!.kafka!.directoryIds).toEqual({ '/d1': 'd1a', '/d2': 'd1b' });
    expect(ids[1]).toMatchObject({ host: 'k9', what: 'node.id', source: 'assigned' });
  });

  it('refused: log dirs of one host that disagree, and an explicit brokerId against meta.properties', () => {
    const inv = kinv([kHost('k1'), kHost('k2', ', brokerId: 9')]);
    expect(refused(() => settleKafkaIds(inv, facts(inv, { k1: [meta(1), meta(2)] })))).toMatch(/k1: the log dirs disagree/);
    expect(refused(() => settleKafkaIds(inv, facts(inv, { k2: [meta(2)] })))).toMatch(/k2: node\.id on disk is 2 .* asks for 9 \(hosts\[1\]\.brokerId\)/);
  });
});
