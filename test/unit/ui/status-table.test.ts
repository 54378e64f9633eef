import { describe, expect, it } from 'vitest';
import { duration, renderStatus, shortSshCause } from '../../../src/ui/status-table.js';
import { host, kafkaService, kafkaSummary, kraftHosts, report, unreachable, zkModeHosts, zkService } from '../engine/status-fixtures.js';

describe('status table', () => {
  it('healthy ZooKeeper-mode cluster: verdict first, a table per service', () => {
    const text = renderStatus(report(zkModeHosts(), kafkaSummary()), { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^unit: HEALTHY {2}3 host\(s\), checked 2026-01-01 00:00:00Z in 0\.32 s$/);
    expect(text).toContain('ZooKeeper  3 of 3 serving, quorum 2, leader zk2');
    expect(text).toMatch(/zk2 +ok +1002 up 10m00s +2181 2888 3888 +leader +0x100000004 +3 +0 +2 +3\.8\.0/);
    expect(text).toMatch(/zk1 +ok +1001 up 10m00s +2181 3888 +follower/);
    expect(text).toContain('Kafka  ZooKeeper mode  active controller 1, brokers 3/3 registered, partitions 53: 0 under-replicated, 0 offline, 0 under min ISR');
    expect(text).toMatch(/zk1 +ok +2001 up 8m20s +9092 +1 +broker +yes +active +3\.9\.2/);
    expect(text).not.toContain('\x1b[');
  });

  it('degraded: reasons, the unreachable host with its cause, missing ports marked', () => {
    const hosts = zkModeHosts();
    hosts[1] = host(2, [zkService(2, { state: 'unknown', mode: 'unknown', pid: null, ports: zkService(2).ports.map((p) => ({ ...p, listening: null })) }), kafkaService(2, { state: 'unknown' })], unreachable);
    hosts[0]!.services[0] = zkService(1, { mode: 'leader', syncedFollowers: 1 });
    hosts[2]!.services[1] = kafkaService(3, { state: 'stopped', pid: null, uptimeSec: null, registered: false, ports: [{ name: 'broker', port: 9092, listening: false, expected: true }] });
    const text = renderStatus(report(hosts, kafkaSummary({ partitions: { total: 53, underReplicated: 20, offline: 0, underMinIsr: 0 } })), { color: false });
    expect(text.split('\n')[0]).toMatch(/^unit: DEGRADED/);
    expect(text).toContain('  ! zk2: unreachable: cannot connect to root@10.213.0.11:22: no SSH handshake within 5s (host down or unreachable?)');
    expect(text).toContain('  ! zk3: Kafka broker 3 not running');
    expect(text).toMatch(/zk2 +✗ no SSH handshake within 5s +\? +\? +\?/);
    expect(text).toMatch(/zk3 +ok +stopped +9092✗ +3 +broker +no/);
    expect(text).toContain('20 under-replicated');
  });

  it('KRaft: the quorum with each voter', () => {
    const text = renderStatus(report(kraftHosts(), kafkaSummary({}, true)), { color: true });
    expect(text).toContain('KRaft quorum');
    expect(text).toMatch(/leader 1, epoch 3, high watermark 100/);
    expect(text.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/2 +zk2 +100 +0 +0\.0 s ago/);
    expect(text).toContain('\x1b[32mHEALTHY');
  });

  it('not installed', () => {
    const text = renderStatus(report([host(4, [zkService(1, { state: 'not-installed', mode: 'down', pid: null, ports: [{ name: 'client', port: 2181, listening: false, expected: true }] })])], null), { color: false });
    expect(text).toMatch(/zk4 +ok +not installed/);
    expect(text).toContain('nothing is deployed yet');
  });

  it('helpers', () => {
    expect(shortSshCause('cannot connect to root@10.213.0.1:22: connection refused (is sshd running on that port?)')).toBe('connection refused');
    expect(shortSshCause('host key for 10.213.0.1 has CHANGED — refusing to connect')).toBe('host key for 10.213.0.1 has CHANGED');
    expect([42, 192, 7500, 3 * 86400 + 4 * 3600].map(duration)).toEqual(['42s', '3m12s', '2h05m', '3d04h']);
  });
});
