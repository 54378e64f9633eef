/**
 * KRaft controllers joining and leaving a dynamic quorum (pure parts): which inventory
 * controllers deploy adds, when an observer counts as caught up, when a removal is refused
 * (majority, one change at a time), a host's voter id from the leader's endpoints, and the
 * bootstrap list a host keeps when the controller set changes (no roll of every node).
 */
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../../src/inventory/load.js';
import { inventorySections } from '../../../../src/roles/all-roles.js';
import { controllerHosts, keptQuorumBootstrap, kafkaHosts, quorumBootstrapServers, renderKafkaFiles } from '../../../../src/roles/kafka/config.js';
import { joiningControllers, joinPlanLine, observerProgress, removalRefusal, voterIdOf } from '../../../../src/roles/kafka/controller-membership.js';
import type { QuorumDescription, QuorumReplica } from '../../../../src/roles/kafka/wire/index.js';

const NOW = 1_760_000_000_000;
const inventory = (controllers: number[], quorum = 'dynamic') =>
  parseInventory(
    `cluster: v\nkafka: { mode: kraft, version: 4.4.0, quorum: ${quorum} }\nhosts:\n` +
      controllers.map((n) => `  - { name: c${n}, address: 10.213.0.${n}, roles: [kafka-controller], brokerId: ${n} }\n`).join('') +
      [11, 12, 13].map((n) => `  - { name: b${n}, address: 10.213.0.${n}, roles: [kafka], brokerId: ${n} }\n`).join(''),
    'v.yml',
    inventorySections,
  );

const replica = (nodeId: number, leo: number, lagMs: number | undefined, directoryId = `dir${nodeId}`): QuorumReplica => ({
  nodeId,
  directoryId,
  logEndOffset: leo,
  lastFetchTimestamp: lagMs === undefined ? -1 : NOW - lagMs,
  lastCaughtUpTimestamp: lagMs === undefined ? -1 : NOW - lagMs,
});
function quorum(leader: number, voters: QuorumReplica[], observers: QuorumReplica[] = [], hw = 500): QuorumDescription {
  return {
    leaderId: leader,
    leaderEpoch: 3,
    highWatermark: hw,
    voters: voters.map((v) => (v.nodeId === leader ? { ...v, lastCaughtUpTimestamp: NOW } : v)),
    observers,
    nodes: new Map(voters.map((v) => [v.nodeId, [{ host: `10.213.0.${v.nodeId}`, port: 9093 }]])),
  };
}
const three = () => quorum(1, [replica(1, 500, 0), replica(2, 500, 100), replica(3, 500, 300)]);

describe('joiningControllers', () => {
  it('dynamic quorum: the inventory controllers that are not voters, in id order; none without a quorum answer', () => {
    const inv = inventory([1, 2, 3, 5, 4]);
    expect(joiningControllers(inv, three()).map((h) => h.name)).toEqual(['c4', 'c5']);
    expect(joiningControllers(inv, undefined)).toEqual([]);
    expect(joiningControllers(inventory([1, 2, 3]), three())).toEqual([]);
  });
  it('static quorum: never (the gate refuses instead)', () => {
    expect(joiningControllers(inventory([1, 2, 3, 4], 'static'), three())).toEqual([]);
  });
  it("the plan line names the gate, the wait, AddRaftVoter and the host's controller endpoint", () => {
    const h = joiningControllers(inventory([1, 2, 3, 4]), three())[0]!;
    expect(joinPlanLine(h)).toBe(
      'gate: the quorum has a leader and no other voter change pending → wait until c4 (node 4) has caught up with the leader as an observer (DescribeQuorum) → AddRaftVoter 4 (directory.id from its meta.properties, CONTROLLER://10.213.0.4:9093) → wait until the quorum lists it as a voter',
    );
  });
});

describe('observerProgress', () => {
  const base = three();
  it('caught up: at the high watermark and recently caught up with the leader', () => {
    expect(observerProgress({ ...base, observers: [replica(4, 500, 200, 'D4')] }, 4, 'D4')).toMatchObject({ caughtUp: true });
  });
  it('not yet: not an observer, behind the high watermark, stale, or another directory (a re-formatted host)', () => {
    expect(observerProgress(base, 4, 'D4')).toMatchObject({ caughtUp: false, detail: expect.stringMatching(/not among the leader's observers yet/) });
    expect(observerProgress({ ...base, observers: [replica(4, 420, 100, 'D4')] }, 4, 'D4')).toMatchObject({ caughtUp: false, detail: 'log end offset 420 behind the high watermark 500' });
    expect(observerProgress({ ...base, observers: [replica(4, 500, 9000, 'D4')] }, 4, 'D4')).toMatchObject({ caughtUp: false, detail: expect.stringMatching(/9\.0 s ago/) });
    expect(observerProgress({ ...base, observers: [replica(4, 500, 100, 'OTHER')] }, 4, 'D4').caughtUp).toBe(false);
    expect(observerProgress({ ...base, leaderId: -1, observers: [replica(4, 500, 100, 'D4')] }, 4, 'D4')).toMatchObject({ caughtUp: false, detail: 'the quorum has no leader' });
  });
});

describe('removalRefusal', () => {
  const inv = (ids: (number | undefined)[]) => ids.map((id, i) => ({ name: `c${id ?? `new${i}`}`, id }));
  it('4 voters all caught up: any one may be removed, the leader too', () => {
    const q = quorum(1, [replica(1, 500, 0), replica(2, 500, 100), replica(3, 500, 300), replica(4, 500, 100)]);
    for (const id of [1, 2, 3, 4]) expect(removalRefusal(q, id, inv([1, 2, 3, 4]))).toBeUndefined();
  });
  it('refused when the other caught-up voters would not be a majority', () => {
    const q = quorum(1, [replica(1, 500, 0), replica(2, 500, 100), replica(3, 500, 60_000)]);
    const r = removalRefusal(q, 2, inv([1, 2, 3]))!;
    expect(r.reason).toMatch(/without controller 2 the KRaft controller quorum \(voters 1, 2, 3, leader 1\) would keep 1 caught-up voter\(s\) \(1\), fewer than the majority of 2: controller 3 last caught up with the leader 60\.0 s ago \(down or lagging\) — removing it now would lose the metadata quorum/);
  });
  it('one change at a time: an inventory controller not a voter yet, or another voter without a host line', () => {
    expect(removalRefusal(three(), 2, inv([1, 2, 3, undefined]))!.reason).toMatch(/cnew3 of the inventory is not a voter yet \(voters 1, 2, 3\): one voter change at a time/);
    expect(removalRefusal(three(), 2, inv([1, 2]))!.reason).toMatch(/voter\(s\) 3 have no host in the inventory/);
  });
  it('no leader, the only voter: refused; not a voter: nothing to refuse', () => {
    expect(removalRefusal({ ...three(), leaderId: -1 }, 2, inv([1, 2, 3]))!.reason).toMatch(/no leader/);
    expect(removalRefusal(quorum(1, [replica(1, 500, 0)]), 1, inv([1]))!.reason).toMatch(/only voter/);
    expect(removalRefusal(three(), 9, inv([1, 2, 3]))).toBeUndefined();
  });
});

describe('voterIdOf', () => {
  it("a host's voter id from the leader's controller endpoints (not the inventory's id)", () => {
    const hosts = controllerHosts(inventory([1, 2, 3, 4]));
    const q = three();
    q.nodes.set(7, [{ host: '10.213.0.4', port: 9093 }]);
    expect(hosts.map((h) => voterIdOf(q, h))).toEqual([1, 2, 3, 7]);
    q.nodes.delete(7);
    expect(voterIdOf(q, hosts[3]!)).toBeUndefined();
  });
});

describe('keptQuorumBootstrap (dynamic quorum: no roll for a controller added or removed)', () => {
  const props = (list: string) => `# managed by zkk\nnode.id=11\ncontroller.quorum.bootstrap.servers=${list}\n`;
  const old = '10.213.0.1:9093,10.213.0.2:9093,10.213.0.3:9093';
  it('a list that still names a majority of the controllers is kept; the same list needs nothing kept', () => {
    expect(keptQuorumBootstrap(props(old), quorumBootstrapServers(inventory([1, 2, 3, 4])))).toBe(old);
    expect(keptQuorumBootstrap(props(old), quorumBootstrapServers(inventory([2, 3, 4])))).toBe(old);
    expect(keptQuorumBootstrap(props(old), quorumBootstrapServers(inventory([1, 2, 3])))).toBeUndefined();
  });
  it('a list naming fewer than a majority, no list, no file: the inventory’s', () => {
    expect(keptQuorumBootstrap(props(old), quorumBootstrapServers(inventory([3, 4, 5])))).toBeUndefined();
    expect(keptQuorumBootstrap('node.id=1\n', quorumBootstrapServers(inventory([1, 2, 3])))).toBeUndefined();
    expect(keptQuorumBootstrap(undefined, quorumBootstrapServers(inventory([1, 2, 3])))).toBeUndefined();
  });
  it('rendered: the kept list goes into server.properties, everything else as the inventory says', () => {
    const inv = inventory([1, 2, 3, 4]);
    const b = kafkaHosts(inv).find((h) => h.name === 'b11')!;
    expect(renderKafkaFiles(inv, b).serverProperties).toContain('controller.quorum.bootstrap.servers=10.213.0.1:9093,10.213.0.2:9093,10.213.0.3:9093,10.213.0.4:9093\n');
    expect(renderKafkaFiles(inv, b, { quorumBootstrap: old }).serverProperties).toContain(`controller.quorum.bootstrap.servers=${old}\n`);
  });
});
