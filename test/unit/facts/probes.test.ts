import { describe, expect, it } from 'vitest';
import { parseJavaVersion, parsePathFact, osProbe, userProbe, processProbe, releaseProbe, sha256 } from '../../../src/facts/probes.js';
import { splitSections } from '../../../src/facts/gather.js';
import { parseSrvr } from '../../../src/roles/zookeeper/health.js';
import { parseQuorumStatus } from '../../../src/roles/kafka/kafka-role.js';

describe('fact parsers on captured outputs', () => {
  it.each([
    ['path=/usr/bin/java\nopenjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17, '17.0.15'],
    ['path=/usr/bin/java\njava version "1.8.0_392"\nJava(TM) SE Runtime', 8, '1.8.0_392'],
    ['path=/opt/jdk/bin/java\nopenjdk version "21" 2023-09-19', 21, '21'],
  ])('java -version %#', (out, feature, version) => {
    expect(parseJavaVersion(out)).toEqual({ path: out.split('\n')[0]!.slice(5), version, feature });
  });

  it('no java', () => expect(parseJavaVersion('')).toEqual({}));

  it('os-release, init and tools', () => {
    const f = osProbe().parse('id=debian\nlike=\nversion=12\ninit=sysv\nhas=apt-get\nhas=update-rc.d\narch=x86_64\n');
    expect(f).toMatchObject({ id: 'debian', version: '12', init: 'sysv', arch: 'x86_64' });
    expect([...f.tools]).toEqual(['apt-get', 'update-rc.d']);
  });

  it('path facts: file with content, dir, link, missing', () => {
    const content = 'tickTime=2000\n';
    const f = parsePathFact(`file root root 644 ${content.length} 1764100000 2025-11-25 19:46:40 +0000 ${sha256(content)}\n${Buffer.from(content).toString('base64')}`);
    expect(f).toEqual({ kind: 'file', owner: 'root', group: 'root', mode: '0644', size: content.length, mtime: 1764100000, sha256: sha256(content), content });
    expect(parsePathFact('dir zookeeper zookeeper 750')).toEqual({ kind: 'dir', owner: 'zookeeper', group: 'zookeeper', mode: '0750' });
    expect(parsePathFact('link 1764100001 /usr/local/zookeeper-3.8.0')).toEqual({ kind: 'link', mtime: 1764100001, target: '/usr/local/zookeeper-3.8.0' });
    expect(parsePathFact('missing')).toEqual({ kind: 'missing' });
  });

  it('accounts, processes, releases', () => {
    expect(userProbe('zookeeper').parse('zookeeper:x:998:998::/var/lib/zookeeper:/usr/sbin/nologin\n')).toEqual({ exists: true, uid: 998, gid: 998, home: '/var/lib/zookeeper', shell: '/usr/sbin/nologin' });
    expect(userProbe('zookeeper').parse('')).toEqual({ exists: false });
    expect(processProbe('/p', 'X').parse('running 4242 1764100000\n')).toEqual({ running: true, pid: 4242, startedAt: 1764100000 });
    expect(processProbe('/p', 'X').parse('stopped\n')).toEqual({ running: false });
    expect(releaseProbe('/m', '/c', 'ab').parse('cached\n')).toBe('cached');
  });

  it('batched output splits per probe by marker', () => {
    const m = '@@zkk-abc';
    const s = splitSections(`${m} 0\na\nb\n${m} 1\n\n${m} end\n`, m);
    expect(s.get('0')).toBe('a\nb');
    expect(s.get('1')).toBe('');
    expect(s.has('end')).toBe(true);
  });

  it('srvr answers', () => {
    const out = 'Zookeeper version: 3.8.0-debian, built on 2023-01-01\nLatency min/avg/max: 0/0.0/0\nReceived: 10\nSent: 9\nConnections: 2\nOutstanding: 0\nZxid: 0x100000004\nMode: leader\nNode count: 5\nProposal sizes last/min/max: -1/-1/-1\n';
    expect(parseSrvr(out)).toEqual({ mode: 'leader', version: '3.8.0', zxid: '0x100000004', connections: 2, outstanding: 0, nodeCount: 5 });
    expect(parseSrvr('This ZooKeeper instance is not currently serving requests\n').mode).toBe('not-serving');
    expect(parseSrvr('zkk: no answer\n').mode).toBe('down');
  });

  it('kafka-metadata-quorum describe --status', () => {
    const out = 'ClusterId:              abc\nLeaderId:               2\nLeaderEpoch:            5\nHighWatermark:          100\nMaxFollowerLag:         0\nMaxFollowerLagTimeMs:   3\nCurrentVoters:          [{"id": 1, "directoryId": null, "endpoints": ["CONTROLLER://10.213.0.11:9093"]}, {"id": 2, "directoryId": null}, {"id": 3, "directoryId": null}]\nCurrentObservers:       []\n';
    expect(parseQuorumStatus(out)).toMatchObject({ leaderId: 2, voters: [1, 2, 3], maxFollowerLag: 0 });
    expect(parseQuorumStatus('LeaderId: 1\nCurrentVoters: [1,2,3]\n').voters).toEqual([1, 2, 3]);
  });
});
