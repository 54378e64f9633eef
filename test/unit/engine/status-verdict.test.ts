import { describe, expect, it } from 'vitest';
import { VOTER_LAG_LIMIT_MS } from '../../../src/roles/kafka/status.js';
import { summarizeZookeeper } from '../../../src/roles/zookeeper/status.js';
import { assess as assessStatus, host, kafkaService, kafkaSummary, kraftHosts, unreachable, zkModeHosts, zkService } from './status-fixtures.js';

// The rules above the roles (engine/status-verdict.ts) with the roles' reasons (roles/*/status.ts).
const messages = (a: ReturnType<typeof assessStatus>) => a.reasons.map((r) => `${r.severity} ${r.host ?? '-'} ${r.message}`);

describe('status verdict', () => {
  it('healthy ZooKeeper-mode cluster', () => {
    const a = assessStatus(zkModeHosts(), kafkaSummary());
    expect(a).toMatchObject({ verdict: 'HEALTHY', exitCode: 0, reasons: [] });
    expect(a.zookeeper).toEqual({ ensembleSize: 3, quorumSize: 2, serving: 3, leader: 'zk2', hasQuorum: true });
  });

  it('healthy KRaft cluster', () => {
    const a = assessStatus(kraftHosts(), kafkaSummary({}, true));
    expect(a).toMatchObject({ verdict: 'HEALTHY', exitCode: 0, zookeeper: null });
  });

  it('the ZooKeeper leader cut: new leader elsewhere, host unreachable → DEGRADED', () => {
    const hosts = zkModeHosts();
    hosts[1] = host(2, [zkService(2, { state: 'unknown', mode: 'unknown', pid: null }), kafkaService(2, { state: 'unknown', registered: true })], unreachable);
    hosts[0]!.services[0] = zkService(1, { mode: 'leader', syncedFollowers: 1 });
    const a = assessStatus(hosts, kafkaSummary());
    expect(a.verdict).toBe('DEGRADED');
    expect(a.exitCode).toBe(1);
    expect(a.zookeeper).toMatchObject({ serving: 2, leader: 'zk1', hasQuorum: true });
    // one reason for the host, not one per service on it
    expect(messages(a)).toEqual([expect.stringMatching(/^degraded zk2 unreachable: cannot connect .*no SSH handshake within 5s/)]);
  });

  it('right after the leader is cut its followers still follow it: quorum, leader not visible → DEGRADED', () => {
    const hosts = zkModeHosts();
    hosts[1] = host(2, [zkService(2, { state: 'unknown', mode: 'unknown', pid: null }), kafkaService(2, { state: 'unknown' })], unreachable);
    const a = assessStatus(hosts, kafkaSummary());
    expect(a.zookeeper).toMatchObject({ serving: 2, leader: null, hasQuorum: true });
    expect(a.verdict).toBe('DEGRADED');
    // once they give up on it (LOOKING), there is no quorum
    hosts[0]!.services[0] = zkService(1, { mode: 'not-serving' });
    hosts[2]!.services[0] = zkService(3, { mode: 'not-serving' });
    expect(assessStatus(hosts, kafkaSummary())).toMatchObject({ verdict: 'DOWN', zookeeper: { hasQuorum: false } });
  });

  it('one follower stopped → DEGRADED with the host named', () => {
    const hosts = zkModeHosts();
    hosts[2]!.services[0] = zkService(3, { state: 'stopped', mode: 'down', pid: null });
    const a = assessStatus(hosts, kafkaSummary());
    expect(a.verdict).toBe('DEGRADED');
    expect(messages(a)).toEqual(['degraded zk3 ZooKeeper not running']);
  });

  it('two of three ZooKeeper servers stopped → DOWN (exit 5)', () => {
    const hosts = zkModeHosts();
    hosts[0]!.services[0] = zkService(1, { state: 'stopped', mode: 'down', pid: null });
    hosts[1]!.services[0] = zkService(2, { state: 'stopped', mode: 'down', pid: null });
    hosts[2]!.services[0] = zkService(3, { mode: 'not-serving' });
    const a = assessStatus(hosts, kafkaSummary());
    expect(a.verdict).toBe('DOWN');
    expect(a.exitCode).toBe(5);
    expect(a.zookeeper).toMatchObject({ serving: 0, leader: null, hasQuorum: false });
    expect(messages(a)[0]).toBe('down - ZooKeeper has no quorum: 0 of 3 serving, 2 needed');
    expect(messages(a)).toContain('degraded zk3 ZooKeeper is running but not serving (not-serving: electing a leader or cut off from the quorum)');
  });

  it('a leader whose followers zkk cannot ask still has quorum by its synced followers', () => {
    const hosts = zkModeHosts();
    hosts[0] = host(1, [zkService(1, { state: 'unknown', mode: 'unknown' }), kafkaService(1)], unreachable);
    hosts[2] = host(3, [zkService(3, { state: 'unknown', mode: 'unknown' }), kafkaService(3)], unreachable);
    const z = summarizeZookeeper(hosts);
    expect(z).toMatchObject({ serving: 1, hasQuorum: true }); // leader says 2 synced followers
    hosts[1]!.services[0] = zkService(2, { syncedFollowers: 0 });
    expect(summarizeZookeeper(hosts)).toMatchObject({ hasQuorum: false });
  });

  it('a single-server ensemble: standalone is serving', () => {
    const hosts = [host(1, [zkService(1, { mode: 'standalone', ports: [{ name: 'client', port: 2181, listening: true, expected: true }] })])];
    expect(assessStatus(hosts, null)).toMatchObject({ verdict: 'HEALTHY', zookeeper: { ensembleSize: 1, quorumSize: 1, leader: 'zk1', hasQuorum: true } });
    hosts[0]!.services[0] = zkService(1, { state: 'stopped', mode: 'down' });
    expect(assessStatus(hosts, null)).toMatchObject({ verdict: 'DOWN', reasons: [{ message: 'ZooKeeper is not serving' }, { message: 'ZooKeeper not running' }] });
  });

  it('two leaders are reported', () => {
    const hosts = zkModeHosts();
    hosts[0]!.services[0] = zkService(1, { mode: 'leader' });
    expect(messages(assessStatus(hosts, kafkaSummary()))).toEqual(['degraded - 2 servers claim to be the ZooKeeper leader: zk1, zk2']);
  });

  it('a broker stopped with replicated topics → URP > 0, not registered → DEGRADED', () => {
    const hosts = zkModeHosts();
    hosts[2]!.services[1] = kafkaService(3, { state: 'stopped', pid: null, registered: false });
    const a = assessStatus(hosts, kafkaSummary({ brokers: { expected: [1, 2, 3], registered: [1, 2] }, partitions: { total: 53, underReplicated: 20, offline: 0, underMinIsr: 0 } }));
    expect(a.verdict).toBe('DEGRADED');
    expect(messages(a)).toEqual(['degraded zk3 Kafka broker 3 not running', 'degraded - 20 under-replicated partition(s)']);
  });

  it('under min ISR is DEGRADED; offline partitions and no controller are DOWN', () => {
    expect(assessStatus(zkModeHosts(), kafkaSummary({ partitions: { total: 3, underReplicated: 3, offline: 0, underMinIsr: 3 } }))).toMatchObject({ verdict: 'DEGRADED' });
    const off = assessStatus(zkModeHosts(), kafkaSummary({ partitions: { total: 3, underReplicated: 3, offline: 1, underMinIsr: 3 } }));
    expect(off.verdict).toBe('DOWN');
    expect(messages(off)[0]).toBe('down - 1 offline partition(s) (no leader)');
    expect(assessStatus(zkModeHosts(), kafkaSummary({ activeController: null }))).toMatchObject({ verdict: 'DOWN', reasons: [{ message: 'no active Kafka controller' }] });
  });

  it('no broker answering is DOWN', () => {
    const a = assessStatus(zkModeHosts(), kafkaSummary({ reachable: false, error: 'connect ECONNREFUSED', partitions: null, activeController: null }));
    expect(a.verdict).toBe('DOWN');
    expect(messages(a)).toEqual(['down - no Kafka broker answers: connect ECONNREFUSED']);
  });

  it('a running broker missing from the metadata is named', () => {
    const hosts = zkModeHosts();
    hosts[0]!.services[1] = kafkaService(1, { registered: false });
    expect(messages(assessStatus(hosts, kafkaSummary()))).toEqual(['degraded zk1 Kafka broker 1 is running (pid 2001) but not registered in the cluster']);
  });

  it('KRaft: a lagging voter, a missing voter, an unreadable quorum, no leader', () => {
    const q = kafkaSummary({}, true).quorum!;
    const lagging = kafkaSummary({ quorum: { ...q, voters: q.voters.map((v) => (v.nodeId === 3 ? { ...v, lag: 40, lagMs: VOTER_LAG_LIMIT_MS + 5000 } : v)) } }, true);
    expect(messages(assessStatus(kraftHosts(), lagging))).toEqual(['degraded zk3 KRaft voter 3 lags: 40 record(s) behind, last caught up 15 s ago']);
    // …but a voter known to be down is reported once, as down
    const hosts = kraftHosts();
    hosts[2]!.services[0] = kafkaService(3, { state: 'stopped', pid: null, registered: false }, true);
    expect(messages(assessStatus(hosts, lagging))).toEqual(['degraded zk3 Kafka broker 3 not running']);

    const missing = kafkaSummary({ quorum: { ...q, voters: q.voters.filter((v) => v.nodeId !== 2) } }, true);
    expect(messages(assessStatus(kraftHosts(), missing))).toEqual(['degraded zk2 controller 2 is not a voter of the KRaft quorum']);

    const unread = kafkaSummary({ activeController: null, quorum: { source: null, leaderId: null, leaderEpoch: null, highWatermark: null, voters: [], error: 'timeout' } }, true);
    expect(assessStatus(kraftHosts(), unread)).toMatchObject({ verdict: 'DEGRADED', reasons: [{ message: 'the KRaft quorum could not be read: timeout' }] });

    const leaderless = kafkaSummary({ activeController: null, quorum: { ...q, leaderId: null } }, true);
    expect(assessStatus(kraftHosts(), leaderless)).toMatchObject({ verdict: 'DOWN', reasons: [{ message: 'no active Kafka controller' }] });
  });

  it('nothing deployed → DOWN with a hint, "not installed" per service', () => {
    const hosts = [host(4, [zkService(1, { state: 'not-installed', mode: 'down', pid: null, version: null }), kafkaService(1, { state: 'not-installed', pid: null, registered: null })])];
    const a = assessStatus(hosts, kafkaSummary({ reachable: false, error: '10.213.0.14:9092: ECONNREFUSED', partitions: null, activeController: null, brokers: { expected: [1], registered: [] } }));
    expect(a.verdict).toBe('DOWN');
    expect(messages(a)).toEqual([
      'down - nothing is deployed yet (run zkk deploy with this inventory)',
      'down - ZooKeeper is not serving',
      'down - no Kafka broker answers: 10.213.0.14:9092: ECONNREFUSED',
      'degraded zk4 ZooKeeper not installed',
      'degraded zk4 Kafka broker 1 not installed',
    ]);
  });

  it('no host reachable and no broker answering → UNKNOWN (exit 3)', () => {
    const hosts = [1, 2, 3].map((i) => host(i, [zkService(i, { state: 'unknown', mode: 'unknown' })], unreachable));
    const a = assessStatus(hosts, null);
    expect(a).toMatchObject({ verdict: 'UNKNOWN', exitCode: 3, zookeeper: { hasQuorum: null } });
    // no claim about a quorum nobody could see
    expect(messages(a)).not.toContain(expect.stringMatching(/no quorum/));
    expect(messages(a)).toContain('degraded - ZooKeeper could not be checked: no member could be asked');
  });

  it('a host reachable but its probe failed is degraded, not unreachable', () => {
    const hosts = zkModeHosts();
    hosts[0] = host(1, [zkService(1, { state: 'unknown', mode: 'unknown' }), kafkaService(1, { state: 'unknown' })], { reachable: true, error: { code: 'PROBE_FAILED', message: 'timed out after 15000 ms', hint: null } });
    const a = assessStatus(hosts, kafkaSummary());
    expect(messages(a)).toEqual(["degraded zk1 could not read the host's state: timed out after 15000 ms"]);
  });
});
