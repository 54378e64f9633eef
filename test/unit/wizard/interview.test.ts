import { describe, expect, it } from 'vitest';
import { interview, type InitFlags } from '../../../src/wizard/interview.js';
import { renderInventory } from '../../../src/wizard/inventory-writer.js';
import { ZkkError } from '../../../src/errors/zkk-error.js';
import { ScriptedAsker, type Step } from './scripted-asker.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/inventory-sections.js';

const MIRROR = '/var/cache/zkk-fixtures/mirror';
const haveMirror = (await import('node:fs')).existsSync(`${MIRROR}/kafka/3.9.2`);

async function usageError(p: Promise<unknown>): Promise<ZkkError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ZkkError);
    expect((e as ZkkError).exitCode).toBe(2);
    return e as ZkkError;
  }
  throw new Error('no error');
}

/** A ZooKeeper-mode interview with some refused answers on the way. */
const zkInterview = (mirror: boolean): Step[] => [
  { text: /Cluster name/, answer: ['my cluster', 'lab'] },
  { hostList: /Hosts/, lines: ['zk1=10.213.0.11, zk2=10.213.0.300', 'zk2=10.213.0.12', 'zk3=10.213.0.13 zk1=10.213.0.14'] },
  { select: /Kafka mode/, answer: 'zookeeper' },
  { text: /Kafka version/, answer: ['4.0.0', '3.9.2'] },
  { text: /ZooKeeper version/, answer: ['3.8', '3.8.0'] },
  { checkbox: /run ZooKeeper/ },
  { checkbox: /Kafka broker/ },
  { select: /release tarballs/, answer: mirror ? 'mirror' : 'apache' },
  ...(mirror ? [{ text: /Mirror/, answer: ['/nonexistent/mirror', MIRROR] } as Step] : []),
  { text: /ZooKeeper install directory/, answer: '' },
  { text: /Kafka install directory/, answer: ['usr/local/kafka', ''] },
  { text: /ZooKeeper data directory/, answer: ['/usr/local/zookeeper/data', ''] },
  { text: /Kafka data directories/, answer: '/data/k1, /data/k2' },
  { select: /ports/, answer: 'standard' },
  { text: /SSH user/, answer: 'deploy' },
  { text: /SSH port/, answer: ['70000', '2222'] },
  { text: /private key/, answer: ['relative/key', ''] },
  { text: /known_hosts/, answer: '' },
  { confirm: /sudo/ },
  { select: /JDK/, answer: 'never' },
  { confirm: /Secure Kafka with TLS and SASL\/SCRAM/ },
];

const zkFlags = (mirror: boolean): InitFlags => ({
  cluster: 'lab',
  hosts: 'zk1=10.213.0.11,zk2=10.213.0.12,zk3=10.213.0.13',
  kafkaMode: 'zookeeper',
  kafkaVersion: '3.9.2',
  zookeeperVersion: '3.8.0',
  ...(mirror ? { mirror: MIRROR } : {}),
  kafkaDataDirs: '/data/k1,/data/k2',
  ports: 'standard',
  sshUser: 'deploy',
  sshPort: '2222',
  javaInstall: 'never',
});

describe('the interview', () => {
  it('refuses invalid answers with the reason and asks again', async () => {
    const asker = new ScriptedAsker(zkInterview(haveMirror));
    const a = await interview({}, { asker });
    asker.done();
    expect(asker.refused).toEqual([
      expect.stringMatching(/"my cluster": letters, digits/),
      expect.stringMatching(/zk2=10\.213\.0\.300: 10\.213\.0\.300 is not a valid IPv4 address/),
      expect.stringMatching(/zk1=10\.213\.0\.14: the name zk1 is already used/),
      expect.stringMatching(/Kafka 4\.0\.0 has no ZooKeeper mode/),
      expect.stringMatching(/major\.minor\.patch/),
      ...(haveMirror ? [expect.stringMatching(/no such directory/)] : []),
      expect.stringMatching(/must be an absolute path/),
      expect.stringMatching(/overlaps the install directory \/usr\/local\/zookeeper/),
      expect.stringMatching(/ports are 1-65535/),
      expect.stringMatching(/must be an absolute path/),
    ]);
    expect(a.hosts).toEqual([{ name: 'zk1', address: '10.213.0.11' }, { name: 'zk2', address: '10.213.0.12' }, { name: 'zk3', address: '10.213.0.13' }]);
    expect(a.zookeeperHosts).toEqual([0, 1, 2]);
    expect(a.kafkaHosts).toEqual([0, 1, 2]);
    expect(a.zookeeper).toEqual({ version: '3.8.0', installDir: '/usr/local/zookeeper', dataDir: '/usr/local/zookeeper-data', ports: 'standard' });
    expect(a.kafka).toEqual({ installDir: '/usr/local/kafka', dataDirs: ['/data/k1', '/data/k2'] });
    expect(a.ssh).toEqual({ user: 'deploy', port: 2222, identityFile: undefined, knownHosts: undefined, sudo: true });
    // security on by default: TLS generated, the admin password in a file beside the inventory
    expect(a.security).toBe(true);
    const inv = parseInventory(renderInventory(a), '/tmp/lab.yml', inventorySections);
    expect(inv.hosts.every((h) => h.security?.tls.mode === 'generate')).toBe(true);
    expect(inv.hosts[0]!.security?.sasl.adminPassword).toEqual({ file: 'lab.admin.password' });
  });

  it('flags with --yes give the same inventory as the interview', async () => {
    const asker = new ScriptedAsker(zkInterview(haveMirror));
    const asked = renderInventory(await interview({}, { asker }));
    const flagged = renderInventory(await interview(zkFlags(haveMirror), {}));
    expect(flagged).toBe(asked);
  });

  it('flags answer their questions; the rest is asked', async () => {
    const asker = new ScriptedAsker([
      { select: /Kafka mode/ },
      { text: /Kafka version/, answer: '' },
      { select: /release tarballs/ },
      { text: /Kafka install/, answer: '' },
      { text: /Kafka data/, answer: '' },
      { text: /SSH user/, answer: '' },
      { text: /SSH port/, answer: '' },
      { text: /private key/, answer: '' },
      { text: /known_hosts/, answer: '' },
      { select: /JDK/ },
      { confirm: /Secure Kafka/, answer: false },
    ]);
    const a = await interview({ cluster: 'c1', hosts: '10.213.0.1,10.213.0.2,10.213.0.3' }, { asker });
    asker.done();
    expect(a.kafkaMode).toBe('kraft');
    expect(a.kafkaVersion).toBe('4.4.0');
    expect(a.zookeeperHosts).toEqual([]);
    expect(a.kafkaHosts).toEqual([0, 1, 2]);
    expect(a.release).toEqual({ kind: 'apache' });
    expect(a.ssh).toEqual({ user: 'root', port: 22, identityFile: undefined, knownHosts: undefined, sudo: undefined });
    expect(a.security).toBe(false);
    expect(renderInventory(a)).not.toMatch(/^security:/m);
  });

  it('an even ZooKeeper count is warned about and confirmed (or chosen again)', async () => {
    const asker = new ScriptedAsker([
      { select: /Kafka mode/, answer: 'zookeeper' },
      { text: /Kafka version/, answer: '' },
      { text: /ZooKeeper version/, answer: '' },
      { checkbox: /run ZooKeeper/, answer: [0, 1] },
      { confirm: /Keep 2 ZooKeeper hosts/, answer: false },
      { checkbox: /run ZooKeeper/, answer: [0, 1, 2, 3] },
      { confirm: /Keep 4 ZooKeeper hosts/, answer: true },
      { checkbox: /Kafka broker/, answer: [4] },
      { select: /release tarballs/ },
    ]);
    const a = await interview({ hosts: 'a=10.213.0.1,b=10.213.0.2,c=10.213.0.3,d=10.213.0.4,e=10.213.0.5', ...rest() }, { asker });
    asker.done();
    expect(asker.notes).toEqual([expect.stringMatching(/warning: 2 ZooKeeper hosts/), expect.stringMatching(/warning: 4 ZooKeeper hosts/)]);
    expect(a.zookeeperHosts).toEqual([0, 1, 2, 3]);
    expect(a.kafkaHosts).toEqual([4]);
  });

  it('every host must get a role', async () => {
    const asker = new ScriptedAsker([
      { select: /Kafka mode/, answer: 'zookeeper' },
      { text: /Kafka version/, answer: '' },
      { text: /ZooKeeper version/, answer: '' },
      { checkbox: /run ZooKeeper/, answer: [0] },
      { checkbox: /Kafka broker/, answer: [1] },
    ]);
    await expect(interview({ hosts: 'a=10.213.0.1,b=10.213.0.2,c=10.213.0.3', ...rest() }, { asker })).rejects.toThrow(/c would run nothing/);
  });

  it('offers 5 ZooKeeper hosts from 7 hosts on, 1 below 3', async () => {
    const seven = Array.from({ length: 7 }, (_, i) => `10.213.0.${i + 1}`).join(',');
    expect((await interview({ hosts: seven, kafkaMode: 'zookeeper' }, {})).zookeeperHosts).toEqual([0, 1, 2, 3, 4]);
    expect((await interview({ hosts: '10.213.0.1,10.213.0.2', kafkaMode: 'zookeeper' }, {})).zookeeperHosts).toEqual([0]);
    expect((await interview({ hosts: '10.213.0.1,10.213.0.2,10.213.0.3,10.213.0.4', kafkaMode: 'zookeeper' }, {})).zookeeperHosts).toEqual([0, 1, 2]);
  });
});

/** Flags that answer everything after the roles (for tests about roles). */
function rest(): InitFlags {
  return { kafkaInstallDir: '/usr/local/kafka', zookeeperInstallDir: '/usr/local/zookeeper', zookeeperDataDir: '/usr/local/zookeeper-data', kafkaDataDirs: '/var/lib/kafka/data', ports: 'seeds', sshUser: 'root', sshPort: '22', identityFile: '', knownHosts: '', javaInstall: 'auto', cluster: 'x', security: true };
}

describe('without a terminal (or with --yes)', () => {
  it('defaults fill everything but the hosts', async () => {
    const a = await interview({ hosts: '10.213.0.1' }, {});
    expect(a).toMatchObject({ cluster: 'kafka', kafkaMode: 'kraft', kafkaVersion: '4.4.0', release: { kind: 'apache' }, javaInstall: 'auto', ssh: { user: 'root', port: 22 } });
    expect(a.zookeeper).toBeUndefined();
  });

  it('a missing required answer is an error naming the flag', async () => {
    const e = await usageError(interview({ cluster: 'x' }, {}));
    expect(e.message).toMatch(/missing answer: --hosts/);
  });

  it('a Kafka 3 version implies ZooKeeper mode unless told otherwise', async () => {
    expect((await interview({ hosts: '10.213.0.1', kafkaVersion: '3.9.2' }, {})).kafkaMode).toBe('zookeeper');
    expect((await interview({ hosts: '10.213.0.1', kafkaVersion: '3.9.2', kafkaMode: 'kraft' }, {})).kafkaMode).toBe('kraft');
  });

  it.each<[InitFlags, RegExp]>([
    [{ hosts: '10.213.0.1,10.213.0.1' }, /--hosts: 10\.213\.0\.1: 10\.213\.0\.1 is already in the list/],
    [{ hosts: '10.213.0.1', sshPort: '0' }, /--ssh-port: 0 is out of range/],
    [{ hosts: '10.213.0.1', kafkaMode: 'zookeeper', kafkaVersion: '4.0.0' }, /--kafka-version: Kafka 4\.0\.0 has no ZooKeeper mode/],
    [{ hosts: '10.213.0.1', kafkaMode: 'kraft', zookeeperHosts: '10.213.0.1' }, /--zookeeper-hosts: only with --kafka-mode zookeeper/],
    [{ hosts: '10.213.0.1', kafkaMode: 'kraft', ports: 'seeds' }, /--ports: only with --kafka-mode zookeeper/],
    [{ hosts: '10.213.0.1,10.213.0.2', kafkaHosts: '10.213.0.1' }, /--kafka-hosts: in KRaft mode every host runs Kafka \(10\.213\.0\.2 would run nothing\)/],
    [{ hosts: '10.213.0.1', mirror: 'https://m', kafkaFile: '/x.tgz' }, /--mirror and --kafka-file\/--zookeeper-file exclude each other/],
    [{ hosts: '10.213.0.1', kafkaFile: '/nonexistent/kafka_2.13-4.4.0.tgz' }, /--kafka-file: .*no such file/],
    [{ hosts: 'a=10.213.0.1,b=10.213.0.2,c=10.213.0.3', kafkaMode: 'zookeeper', zookeeperHosts: 'a', kafkaHosts: 'b' }, /--kafka-hosts: c would run nothing/],
    [{ hosts: '10.213.0.1', kafkaMode: 'zookeeper', zookeeperDataDir: '/usr/local/zookeeper' }, /--zookeeper-data-dir: .*overlaps the install directory/],
    [{ hosts: '10.213.0.1', javaInstall: 'sometimes' }, /--java-install: "sometimes" is not one of auto, never/],
    [{ hosts: '10.213.0.1', identityFile: 'key' }, /--identity-file: key must be an absolute path/],
  ])('%j → %s', async (flags, message) => {
    const e = await usageError(interview(flags, {}));
    expect(e.message).toMatch(message);
  });
});
