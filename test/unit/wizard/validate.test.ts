import { describe, expect, it } from 'vitest';
import {
  applyHostLine,
  checkAddress,
  checkClusterName,
  checkDataDir,
  checkDataDirList,
  checkEveryHostHasRole,
  checkHostList,
  checkHostSelection,
  checkInstallDirs,
  checkKafkaVersion,
  checkPort,
  checkRemoteDir,
  checkUser,
  checkVersion,
  kafkaModeFor,
  parseHostToken,
  splitList,
  zookeeperCountWarning,
  type Check,
} from '../../../src/wizard/validate.js';

const value = <T>(c: Check<T>): T => {
  if (!c.ok) throw new Error(`refused: ${c.reason}`);
  return c.value;
};
const reason = (c: Check<unknown>): string => {
  if (c.ok) throw new Error(`accepted: ${JSON.stringify(c.value)}`);
  return c.reason;
};

describe('addresses', () => {
  it.each(['10.213.0.1', '10.214.1.10', '::1', 'fe80::1', 'kafka1', 'kafka-1.example.com', 'a.b.c.', 'K1'])('accepts %s', (a) => {
    expect(value(checkAddress(a))).toBe(a);
  });
  it.each([
    ['10.213.0.256', /not a valid IPv4 address/],
    ['10.213.0', /not a valid IPv4 address/],
    ['1.2.3.4.5', /not a valid IPv4 address/],
    ['fe80:::1', /not a valid IPv6 address/],
    ['host_name', /not a valid host name/],
    ['-kafka', /not a valid host name/],
    ['kafka..x', /not a valid host name/],
    ['a.123', /IPv4 address or host name/],
    ['', /empty/],
  ])('refuses %j with the reason', (a, why) => {
    expect(reason(checkAddress(a))).toMatch(why);
  });
  it('trims', () => expect(value(checkAddress(' 10.213.0.1 '))).toBe('10.213.0.1'));
});

describe('host lists', () => {
  it('splits on commas, spaces, newlines', () => {
    expect(splitList('a, b  c\nd,,e;\tf')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
  it('parses name=address', () => {
    expect(value(parseHostToken('kafka1=10.213.0.1'))).toEqual({ name: 'kafka1', address: '10.213.0.1' });
    expect(value(parseHostToken('10.213.0.1'))).toEqual({ address: '10.213.0.1' });
    expect(reason(parseHostToken('bad name=10.213.0.1'))).toMatch(/letters, digits/);
    expect(reason(parseHostToken('=10.213.0.1'))).toMatch(/host name ""/);
    expect(reason(parseHostToken('k=10.213.0.999'))).toMatch(/IPv4/);
  });
  it('accepts a pasted list and refuses duplicates by address and by name', () => {
    expect(value(checkHostList('a=10.213.0.1,b=10.213.0.2\nc=10.213.0.3'))).toHaveLength(3);
    expect(reason(checkHostList('10.213.0.1 10.213.0.1'))).toMatch(/10\.213\.0\.1 is already in the list/);
    expect(reason(checkHostList('a=10.213.0.1 a=10.213.0.2'))).toMatch(/name a is already used/);
    expect(reason(checkHostList('10.213.0.2 10.213.0.2=10.213.0.3'))).toMatch(/the name 10\.213\.0\.2 is another host's address/);
    expect(reason(checkHostList('a=10.213.0.1 a'))).toMatch(/a is already the name of another host/);
    expect(reason(checkHostList('  '))).toMatch(/at least one/);
  });
  it('applies lines one by one: valid tokens are added, invalid ones reported, -x removes', () => {
    let step = applyHostLine([], 'a=10.213.0.1, b=10.213.0.300 c=10.213.0.3');
    expect(step.hosts.map((h) => h.name)).toEqual(['a', 'c']);
    expect(step.rejected).toEqual([{ token: 'b=10.213.0.300', reason: expect.stringMatching(/IPv4/) }]);
    step = applyHostLine(step.hosts, 'a=10.213.0.9');
    expect(step.rejected[0]!.reason).toMatch(/name a is already used/);
    step = applyHostLine(step.hosts, '-a 10.213.0.4');
    expect(step.hosts).toEqual([{ name: 'c', address: '10.213.0.3' }, { address: '10.213.0.4' }]);
    expect(applyHostLine(step.hosts, '-zz').rejected[0]!.reason).toMatch(/not in the list/);
  });
});

describe('names, ports, versions, users', () => {
  it('cluster names use the schema rule', () => {
    expect(value(checkClusterName('prod-eu_1.a'))).toBe('prod-eu_1.a');
    expect(reason(checkClusterName('my cluster'))).toMatch(/letters, digits, dot, dash, underscore/);
    expect(reason(checkClusterName(''))).toMatch(/name/);
  });
  it('ports are 1-65535', () => {
    expect(value(checkPort('22'))).toBe(22);
    expect(value(checkPort('65535'))).toBe(65535);
    expect(reason(checkPort('0'))).toMatch(/ports are 1-65535/);
    expect(reason(checkPort('65536'))).toMatch(/ports are 1-65535/);
    expect(reason(checkPort('22a'))).toMatch(/not a port number/);
    expect(reason(checkPort('-1'))).toMatch(/not a port number/);
  });
  it('versions are x.y.z; Kafka versions fit the mode', () => {
    expect(value(checkVersion('3.8.0'))).toBe('3.8.0');
    expect(reason(checkVersion('3.8'))).toMatch(/major\.minor\.patch/);
    expect(value(checkKafkaVersion('3.9.2', 'zookeeper'))).toBe('3.9.2');
    expect(reason(checkKafkaVersion('4.0.0', 'zookeeper'))).toMatch(/no ZooKeeper mode/);
    expect(value(checkKafkaVersion('4.4.0', 'kraft'))).toBe('4.4.0');
    expect(value(checkKafkaVersion('3.9.2', 'kraft'))).toBe('3.9.2');
    expect(reason(checkKafkaVersion('3.2.0', 'kraft'))).toMatch(/KRaft needs Kafka 3\.3/);
    expect(reason(checkKafkaVersion('1.1.0', 'zookeeper'))).toMatch(/too old/);
  });
  it('the mode a version implies', () => {
    expect(kafkaModeFor(undefined)).toBe('kraft');
    expect(kafkaModeFor('4.1.0')).toBe('kraft');
    expect(kafkaModeFor('3.9.2')).toBe('zookeeper');
  });
  it('user names', () => {
    expect(value(checkUser('deploy'))).toBe('deploy');
    expect(reason(checkUser('de ploy'))).toMatch(/not a user name/);
  });
});

describe('directories on the hosts', () => {
  it('absolute, plain, not /', () => {
    expect(value(checkRemoteDir('/var/lib/zookeeper/'))).toBe('/var/lib/zookeeper');
    expect(reason(checkRemoteDir('var/lib'))).toMatch(/absolute path/);
    expect(reason(checkRemoteDir('/'))).toMatch(/root/);
    expect(reason(checkRemoteDir('/a b'))).toMatch(/no spaces/);
    expect(reason(checkRemoteDir('/a,b'))).toMatch(/commas/);
    expect(reason(checkRemoteDir('/a/../b'))).toMatch(/write it as \/b/);
    expect(reason(checkRemoteDir(''))).toMatch(/required/);
  });
  it('data dirs stay out of install dirs, /tmp and each other', () => {
    const ctx = { installDirs: ['/usr/local/zookeeper', '/usr/local/kafka'], otherDataDirs: ['/var/lib/zookeeper'] };
    expect(value(checkDataDir('/usr/local/zookeeper-data', ctx))).toBe('/usr/local/zookeeper-data');
    expect(reason(checkDataDir('/usr/local/kafka/data', ctx))).toMatch(/overlaps the install directory \/usr\/local\/kafka/);
    expect(reason(checkDataDir('/usr/local', ctx))).toMatch(/overlaps the install directory/);
    expect(reason(checkDataDir('/tmp/kafka-logs', ctx))).toMatch(/temporary/);
    expect(reason(checkDataDir('/var/lib/zookeeper/kafka', ctx))).toMatch(/overlaps the data directory/);
    expect(value(checkDataDirList('/data/1, /data/2', ctx))).toEqual(['/data/1', '/data/2']);
    expect(reason(checkDataDirList('/data/1,/data/1', ctx))).toMatch(/overlaps the data directory \/data\/1/);
    expect(reason(checkDataDirList('', ctx))).toMatch(/at least one/);
  });
  it('install dirs do not nest', () => {
    expect(reason(checkInstallDirs('/opt/zk', '/opt/zk/kafka'))).toMatch(/overlaps/);
    expect(value(checkInstallDirs('/opt/zookeeper', '/opt/kafka'))).toBe('/opt/kafka');
    expect(value(checkInstallDirs(undefined, '/opt/kafka'))).toBe('/opt/kafka');
  });
});

describe('roles', () => {
  const hosts = [{ name: 'a', address: '10.213.0.1' }, { name: 'b', address: '10.213.0.2' }, { address: '10.213.0.3' }];
  it('selects hosts by name, address or position, in inventory order', () => {
    expect(value(checkHostSelection('10.213.0.3,a', hosts))).toEqual([0, 2]);
    expect(value(checkHostSelection('2 3', hosts))).toEqual([1, 2]);
    expect(reason(checkHostSelection('c', hosts))).toMatch(/c is not one of the hosts \(a, b, 10\.213\.0\.3\)/);
    expect(reason(checkHostSelection('a,a', hosts))).toMatch(/listed twice/);
    expect(reason(checkHostSelection('', hosts))).toMatch(/at least one/);
  });
  it('warns about even ensembles only', () => {
    expect(zookeeperCountWarning(1)).toBeUndefined();
    expect(zookeeperCountWarning(3)).toBeUndefined();
    expect(zookeeperCountWarning(4)).toMatch(/4 ZooKeeper hosts: an even ensemble tolerates no more failures than 3/);
    expect(zookeeperCountWarning(2)).toMatch(/odd count \(1 or 3\)/);
  });
  it('every host needs a role', () => {
    expect(checkEveryHostHasRole(hosts, [0], [1, 2]).ok).toBe(true);
    expect(reason(checkEveryHostHasRole(hosts, [0], [0]))).toMatch(/b, 10\.213\.0\.3 would run nothing/);
  });
});
