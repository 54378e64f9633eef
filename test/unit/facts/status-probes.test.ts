import { describe, expect, it } from 'vitest';
import { hostClockProbe } from '../../../src/facts/host-clock.js';
import { parseListeningPorts } from '../../../src/facts/listening-ports.js';
import { fourLetterWordsProbe, parseMntr } from '../../../src/roles/zookeeper/health.js';
import { versionFromInstallLink } from '../../../src/roles/service-status.js';

describe('status probes on captured outputs', () => {
  it('listening ports from /proc/net/tcp and tcp6 local addresses', () => {
    // awk printed column 2 of LISTEN rows: 127.0.0.1:22, 10.213.0.11:9092, :::2181 and :::3888
    const out = '0100007F:0016\n0B00D50A:2384\n00000000000000000000000000000000:0885\n00000000000000000000000000000000:0F30\n';
    expect([...parseListeningPorts(out)].sort((a, b) => a - b)).toEqual([22, 2181, 3888, 9092]);
    expect(parseListeningPorts('').length).toBe(0);
  });

  it('host clock', () => {
    expect(hostClockProbe().parse('1764100000\n')).toBe(1764100000);
    expect(hostClockProbe().parse('')).toBeUndefined();
  });

  it('srvr, and mntr on the leader', () => {
    const srvr = 'Zookeeper version: 3.8.0-debian, built on 2023-01-01\nLatency min/avg/max: 0/0.0/0\nReceived: 10\nSent: 9\nConnections: 2\nOutstanding: 0\nZxid: 0x100000004\nMode: leader\nNode count: 5\n';
    const mntr = 'zk_version\t3.8.0-debian\nzk_server_state\tleader\nzk_synced_followers\t2\nzk_synced_non_voting_followers\t0\nzk_pending_syncs\t0\n';
    const p = fourLetterWordsProbe(2181);
    const leader = p.parse(`${srvr}@@zkk-mntr\n${mntr}`);
    expect(leader.srvr).toMatchObject({ mode: 'leader', zxid: '0x100000004', connections: 2 });
    expect(leader.mntr?.get('zk_synced_followers')).toBe('2');
    expect(p.parse(srvr.replace('leader', 'follower')).mntr).toBeUndefined();
    expect(p.parse('zkk: no answer\n').srvr.mode).toBe('down');
    expect(p.script).toContain('srvr');
    expect(parseMntr('mntr is not executed because it is not in the whitelist.\n').size).toBe(0);
  });

  it('a leader that stops leading between srvr and mntr is not reported as a leader without its follower count', () => {
    // the flaky e2e case: two of three servers stopped, the survivor (leader of nobody) gives up
    const srvr = 'Zookeeper version: 3.8.0-debian, built on 2023-01-01\nConnections: 1\nOutstanding: 0\nZxid: 0x200000000\nMode: leader\nNode count: 5\n';
    const p = fourLetterWordsProbe(2181);
    const gaveUp = p.parse(`${srvr}@@zkk-mntr\nThis ZooKeeper instance is not currently serving requests\n`);
    expect(gaveUp.srvr).toMatchObject({ mode: 'not-serving', zxid: '0x200000000' });
    expect(gaveUp.mntr).toBeUndefined();
    expect(p.parse(`${srvr}@@zkk-mntr\nzkk: no answer\n`).srvr.mode).toBe('down');
    expect(p.parse(`${srvr}@@zkk-mntr\nzk_version\t3.8.0\nzk_server_state\tfollower\n`).srvr.mode).toBe('follower');
    // still leading: the count is there (0 followers is a number, not unknown)
    const alone = p.parse(`${srvr}@@zkk-mntr\nzk_server_state\tleader\nzk_synced_followers\t0\n`);
    expect(alone.srvr.mode).toBe('leader');
    expect(alone.mntr?.get('zk_synced_followers')).toBe('0');
    // mntr not in 4lw.commands.whitelist: srvr stands, the count is unknown
    const notAllowed = p.parse(`${srvr}@@zkk-mntr\nmntr is not executed because it is not in the whitelist.\n`);
    expect(notAllowed.srvr.mode).toBe('leader');
  });

  it('versions from install links', () => {
    expect(versionFromInstallLink({ kind: 'link', target: '/usr/local/zookeeper-3.8.0' } as never)).toBe('3.8.0');
    expect(versionFromInstallLink({ kind: 'link', target: '/usr/local/kafka_2.13-3.9.2' } as never)).toBe('3.9.2');
    expect(versionFromInstallLink({ kind: 'missing' })).toBeNull();
  });
});
