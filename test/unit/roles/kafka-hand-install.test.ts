/**
 * The Kafka hand-install fact and take-over (kafka/hand-install.ts): the shell run for real with sh
 * on a temporary tree laid out as seed post 003 does it (log.dirs under the install dir, Kafka's
 * log4j files in the same dir as -daemon writes them), with a stand-in process whose command line
 * looks like the hand-started kafka.Kafka; the take-over resumed from where a killed run stops;
 * the broker id kept from server.properties and meta.properties, which must agree.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareSettings, handBrokerId, handKafkaProbe, kafkaAdoptionPending, kafkaAdoptionRefusal, kafkaAdoptionScript, kafkaAdoptionSummary, parseProperties, parseZookeeperConnect, type HandKafka } from '../../../src/roles/kafka/hand-install.js';
import { kafkaDefaults } from '../../../src/roles/kafka/defaults.js';
import type { Inventory, ResolvedKafka } from '../../../src/inventory/resolve.js';
import { cmd } from '../../../src/shell/command.js';
import { Facts } from '../../../src/facts/gather.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { metaProbe, settleKafkaIds } from '../../../src/roles/kafka/identities.js';

const SEED_PROPS = (root: string, id: number) => `# seed post 003
broker.id=${id}
listeners=PLAINTEXT://10.213.0.210:9092
num.network.threads=3
num.io.threads=8
log.dirs=${root}/usr/local/kafka/logs
num.partitions=1
offsets.topic.replication.factor=1
log.retention.hours=168
zookeeper.connect=10.213.0.210:2181,10.213.0.220:2181,10.213.0.170:2181
group.initial.rebalance.delay.ms=0
`;
const ZK = '10.213.0.210:2181,10.213.0.220:2181,10.213.0.170:2181';

const me = os.userInfo().username;
const myGroup = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

function settings(root: string, over: Partial<ResolvedKafka> = {}): ResolvedKafka {
  return { ...kafkaDefaults, mode: 'zookeeper', installDir: `${root}/usr/local/kafka`, logDirs: [`${root}/var/lib/kafka/data`], logDir: `${root}/var/log/kafka`, zookeeperChroot: '', user: me, group: myGroup, release: {}, nodeId: 2, ...over } as ResolvedKafka;
}

let roots: string[] = [];
let procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs) p.kill('SIGKILL');
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots = [];
  procs = [];
});

/** The seed's layout under a temp root, and a process that looks like `kafka-server-start.sh -daemon`'s. */
async function handBuilt(id = 2): Promise<{ root: string; k: ResolvedKafka; pid: number }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'zkk-khand-'));
  roots.push(root);
  const kd = `${root}/usr/local/kafka`;
  for (const d of ['config', 'bin', 'libs', 'logs/events-0', 'logs/events-1', 'logs/__consumer_offsets-7']) mkdirSync(`${kd}/${d}`, { recursive: true });
  mkdirSync(`${root}/usr/local/kafka_2.13-3.9.2`, { recursive: true });
  writeFileSync(`${kd}/config/server.properties`, SEED_PROPS(root, id));
  writeFileSync(`${kd}/logs/meta.properties`, `version=0\nbroker.id=${id}\ncluster.id=AbCdEfGhIjKlMnOpQrStUv\n`);
  writeFileSync(`${kd}/logs/recovery-point-offset-checkpoint`, '0\n0\n');
  writeFileSync(`${kd}/logs/.lock`, '');
  writeFileSync(`${kd}/logs/events-0/00000000000000000000.log`, 'segment');
  writeFileSync(`${kd}/logs/events-0/00000000000000000000.index`, 'index');
  writeFileSync(`${kd}/logs/events-1/leader-epoch-checkpoint`, '0\n');
  writeFileSync(`${kd}/logs/__consumer_offsets-7/00000000000000000000.log`, 'offsets');
  // what -daemon writes into the same dir (LOG_DIR=<install>/logs): stays in the backup
  writeFileSync(`${kd}/logs/server.log`, 'log4j');
  writeFileSync(`${kd}/logs/server.log.2026-12-01-20`, 'log4j');
  writeFileSync(`${kd}/logs/kafkaServer.out`, 'stdout');
  execFileSync('ln', ['-s', process.execPath, `${root}/java`]);
  const p = spawn(`${root}/java`, ['-e', 'setInterval(() => {}, 1000)', '--', '-cp', `${kd}/bin/../libs/kafka_2.13-3.9.2.jar`, 'kafka.Kafka', `${kd}/config/server.properties`], { stdio: 'ignore' });
  procs.push(p);
  await new Promise((r) => setTimeout(r, 200));
  return { root, k: settings(root), pid: p.pid! };
}

const sh = (text: string) => execFileSync('sh', ['-c', text], { encoding: 'utf8' });
const probe = (k: ResolvedKafka) => {
  const p = handKafkaProbe(k);
  return p.parse(sh(`{ ${p.script}\n} 2>/dev/null || true`));
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/status`, 'utf8').match(/^State:\s+Z/m);
  } catch {
    return false;
  }
};
const DATA = ['.lock', '__consumer_offsets-7', 'events-0', 'events-1', 'meta.properties', 'recovery-point-offset-checkpoint'];

describe('a hand-written server.properties', () => {
  it('properties, zookeeper.connect (hosts and chroot), settings compared with what zkk renders', () => {
    expect(parseProperties('# c\nbroker.id = 3\nlog.dirs: /a,/b\n\nzookeeper.connect=h1:2181,h2:2181/kafka\r\n')).toEqual({ 'broker.id': '3', 'log.dirs': '/a,/b', 'zookeeper.connect': 'h1:2181,h2:2181/kafka' });
    expect(parseZookeeperConnect('h2:2181,h1/kafka/')).toEqual({ servers: ['h1:2181', 'h2:2181'], chroot: '/kafka' });
    expect(parseZookeeperConnect('h1:2181')).toEqual({ servers: ['h1:2181'], chroot: '' });
    const v = compareSettings(parseProperties(SEED_PROPS('', 1) + 'message.max.bytes=5000000\n'), { 'num.partitions': '3', 'offsets.topic.replication.factor': '3', 'log.retention.hours': '168' });
    // what zkk's file says differently is listed (the inventory expresses it); the stock sample's own lines are not carried; the rest is refused until carried
    expect(v.replaced).toEqual([{ key: 'num.partitions', hand: '1', zkk: '3' }, { key: 'offsets.topic.replication.factor', hand: '1', zkk: '3' }]);
    expect(v.uncarried).toEqual([{ key: 'message.max.bytes', value: '5000000' }]);
  });

  it('the broker id: server.properties and meta.properties agree, or it is refused', () => {
    const hand: HandKafka = { at: 'install', configDir: 'config', props: { 'broker.id': '0' }, logDirs: [{ path: '/usr/local/kafka/logs', meta: { brokerId: 0 }, left: 3 }], pids: [] };
    expect(handBrokerId(hand)).toEqual({ id: 0 });
    expect(handBrokerId({ ...hand, props: {} })).toEqual({ id: 0 });
    expect(handBrokerId({ ...hand, logDirs: [{ path: '/x', left: 0 }] })).toEqual({ id: 0 });
    expect(handBrokerId({ ...hand, logDirs: [{ path: '/x', left: 0 }], props: {} })).toEqual({});
    expect(handBrokerId({ ...hand, props: { 'broker.id': '1' } }).problem).toBe("the hand-built broker's ids disagree: config/server.properties broker.id says 1, /usr/local/kafka/logs/meta.properties says 0");
  });
});

describe('the Kafka hand-install fact and the take-over, run by sh', () => {
  it('reads the seed layout: at the install dir, its settings, the log dir and its meta.properties, what is left to move, the hand-started pid', async () => {
    const { root, k, pid } = await handBuilt();
    const f = probe(k)!;
    expect(f).toMatchObject({ at: 'install', configDir: 'config', pids: [pid], logDirs: [{ path: `${root}/usr/local/kafka/logs`, meta: { brokerId: 2, clusterId: 'AbCdEfGhIjKlMnOpQrStUv' }, left: DATA.length }] });
    expect(f.props['zookeeper.connect']).toBe(ZK);
    expect(kafkaAdoptionPending(f)).toBe(true);
    expect(kafkaAdoptionRefusal(k, f, { 'num.partitions': '3' }, ZK)).toBeUndefined();
    expect(kafkaAdoptionSummary(k, f, { 'num.partitions': '3' }, `${root}/usr/local/kafka_2.13-3.9.2`)).toContain(`stop its hand-started process (pid ${pid}; SIGTERM`);
  });

  it('nothing there, or a zkk install (a link) without a backup: no fact', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'zkk-khand-'));
    roots.push(root);
    expect(probe(settings(root))).toBeUndefined();
    mkdirSync(`${root}/usr/local/kafka_2.13-3.9.2/config`, { recursive: true });
    writeFileSync(`${root}/usr/local/kafka_2.13-3.9.2/config/server.properties`, SEED_PROPS(root, 1));
    execFileSync('ln', ['-s', `${root}/usr/local/kafka_2.13-3.9.2`, `${root}/usr/local/kafka`]);
    expect(probe(settings(root))).toBeUndefined();
  });

  it('takes it over: the broker stopped, the install kept as the backup, its data moved (not the log4j files), the link, the start; then nothing is pending', async () => {
    const { root, k, pid } = await handBuilt();
    const vdir = `${root}/usr/local/kafka_2.13-3.9.2`;
    sh(kafkaAdoptionScript(k, probe(k)!, vdir, cmd('touch', `${root}/started`)).text);
    expect(alive(pid)).toBe(false);
    expect(readlinkSync(k.installDir)).toBe(vdir);
    const data = k.logDirs[0]!;
    expect(readdirSync(data).sort()).toEqual(DATA);
    expect(readdirSync(`${data}/events-0`).sort()).toEqual(['00000000000000000000.index', '00000000000000000000.log']);
    expect(readFileSync(`${data}/__consumer_offsets-7/00000000000000000000.log`, 'utf8')).toBe('offsets');
    expect(readdirSync(`${k.installDir}.pre-zkk/logs`).sort()).toEqual(['kafkaServer.out', 'server.log', 'server.log.2026-12-01-20']);
    expect(existsSync(`${k.installDir}.pre-zkk/config/server.properties`)).toBe(true);
    expect(readFileSync(`${k.installDir}.pre-zkk/ZKK-ADOPTED`, 'utf8')).toBe(`data: ${k.installDir}.pre-zkk/logs moved to ${data}\n`);
    expect(existsSync(`${root}/started`)).toBe(true);
    const after = probe(k)!;
    expect(after).toMatchObject({ at: 'backup', pids: [], logDirs: [{ left: 0, inside: true, done: true }] });
    expect(after.logDirs[0]!.meta).toBeUndefined();
    expect(kafkaAdoptionPending(after)).toBe(false);
    // the id is still read from the backup's server.properties
    expect(handBrokerId(after)).toEqual({ id: 2 });
  });

  it('resumes where a killed run stopped: broker stopped, install moved to the backup, a partition dir half moved', async () => {
    const { root, k, pid } = await handBuilt();
    process.kill(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const b = `${k.installDir}.pre-zkk`;
    const data = k.logDirs[0]!;
    sh(`mv -T ${k.installDir} ${b} && mkdir -p ${data}/events-0 && mv ${b}/logs/events-1 ${data}/ && mv ${b}/logs/events-0/00000000000000000000.log ${data}/events-0/`);
    const f = probe(k)!;
    expect(f).toMatchObject({ at: 'backup', pids: [], logDirs: [{ left: DATA.length - 1 }] });
    expect(kafkaAdoptionPending(f)).toBe(true);
    expect(kafkaAdoptionSummary(k, f, {}, `${root}/usr/local/kafka_2.13-3.9.2`)).toContain(`move its data ${b}/logs into ${data} (${DATA.length - 1} entries left; moved, never deleted`);
    expect(kafkaAdoptionSummary(k, f, {}, `${root}/usr/local/kafka_2.13-3.9.2`)).not.toContain('stop its');
    sh(kafkaAdoptionScript(k, f, `${root}/usr/local/kafka_2.13-3.9.2`, cmd('touch', `${root}/started`)).text);
    expect(readdirSync(data).sort()).toEqual(DATA);
    expect(readdirSync(`${data}/events-0`).sort()).toEqual(['00000000000000000000.index', '00000000000000000000.log']);
    expect(readlinkSync(k.installDir)).toBe(`${root}/usr/local/kafka_2.13-3.9.2`);
    expect(kafkaAdoptionPending(probe(k))).toBe(false);
  });

  it('resumes a run cut after the data moved but before it was handed to zkk\'s user (the note is written last)', async () => {
    const { root, k, pid } = await handBuilt();
    process.kill(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const b = `${k.installDir}.pre-zkk`;
    const data = k.logDirs[0]!;
    sh(`mv -T ${k.installDir} ${b} && mkdir -p ${data} && for e in ${DATA.join(' ')}; do mv ${b}/logs/$e ${data}/; done`);
    const f = probe(k)!;
    expect(f).toMatchObject({ at: 'backup', logDirs: [{ left: 0, inside: true }] });
    expect(f.logDirs[0]!.done).toBeUndefined();
    expect(kafkaAdoptionPending(f)).toBe(true);
    sh(kafkaAdoptionScript(k, f, `${root}/usr/local/kafka_2.13-3.9.2`, cmd('true')).text);
    expect(readdirSync(data).sort()).toEqual(DATA);
    expect(readFileSync(`${b}/ZKK-ADOPTED`, 'utf8')).toBe(`data: ${b}/logs moved to ${data}\n`);
    expect(probe(k)!.logDirs[0]!.done).toBe(true);
    expect(kafkaAdoptionPending(probe(k))).toBe(false);
    // run again (a deploy cut after the note): nothing moves, the note is not written twice
    sh(kafkaAdoptionScript(k, probe(k)!, `${root}/usr/local/kafka_2.13-3.9.2`, cmd('true')).text);
    expect(readFileSync(`${b}/ZKK-ADOPTED`, 'utf8')).toBe(`data: ${b}/logs moved to ${data}\n`);
  });

  it('refused: KRaft inventory, another port, another chroot or ensemble, data outside the install dir not named, ids that disagree', async () => {
    const { k } = await handBuilt();
    const f = probe(k)!;
    expect(kafkaAdoptionRefusal({ ...k, mode: 'kraft' }, f, {}, ZK)?.hint).toMatch(/kafka.mode: zookeeper first, then .* zkk migrate/);
    expect(kafkaAdoptionRefusal({ ...k, port: 9094 }, f, {}, ZK)?.hint).toBe('set kafka.port: 9092 in the inventory (clients keep connecting there)');
    expect(kafkaAdoptionRefusal(k, f, {}, `${ZK}/kafka`)?.hint).toBe('set kafka.zookeeperChroot: "" in the inventory');
    expect(kafkaAdoptionRefusal(k, f, {}, '10.213.0.99:2181')?.reason).toMatch(/uses ZooKeeper 10.213.0.170:2181,10.213.0.210:2181,10.213.0.220:2181, the inventory's zookeeper hosts are 10.213.0.99:2181/);
    const outside = { ...f, props: { ...f.props, 'log.dirs': '/data/kafka' }, logDirs: [{ path: '/data/kafka', left: 3 }] };
    expect(kafkaAdoptionRefusal(k, outside, {}, ZK)?.hint).toBe('set kafka.logDirs to name /data/kafka to keep that data where it is');
    expect(kafkaAdoptionRefusal({ ...k, logDirs: ['/data/kafka'] }, outside, {}, ZK)).toBeUndefined();
    expect(kafkaAdoptionRefusal(k, { ...f, props: { ...f.props, 'broker.id': '5' } }, {}, ZK)?.reason).toMatch(/ids disagree: config\/server.properties broker.id says 5, .*meta.properties says 2/);
    expect(kafkaAdoptionRefusal(k, { ...f, props: { ...f.props, 'process.roles': 'broker' } }, {}, ZK)?.reason).toMatch(/KRaft mode/);
  });
});

describe('broker ids settled from a hand install (identities.ts)', () => {
  const yaml = `cluster: c\nhosts:\n${[1, 2, 3].map((i) => `  - { name: k${i}, address: 10.214.1.1${i}, roles: [zookeeper, kafka] }`).join('\n')}\nzookeeper: { version: 3.8.4 }\nkafka: { version: 3.9.2, mode: zookeeper, zookeeperChroot: "" }\n`;
  const handOn = (inv: Inventory, index: number, id: number, zkkMeta?: number) => {
    const k = inv.hosts[index]!.kafka!;
    const f = new Facts();
    f.set(handKafkaProbe(k).key, { at: 'install', configDir: 'config', props: { 'broker.id': String(id) }, logDirs: [{ path: '/usr/local/kafka/logs', meta: { brokerId: id }, left: 4 }], pids: [100 + id] });
    for (const d of k.logDirs)
      f.set(metaProbe(d).key, zkkMeta === undefined ? { kind: 'missing' } : { kind: 'file', owner: 'kafka', group: 'kafka', mode: '0644', size: 1, mtime: 1, sha256: 'x', content: `broker.id=${zkkMeta}\n` });
    return f;
  };
  const parse = () => parseInventory(yaml, '/tmp/inventory.yml', inventorySections);

  it('the hand broker ids (0, 1, 2 as the seed numbers them) are kept whatever the host order', () => {
    const inv = parse();
    const settled = settleKafkaIds(inv, new Map([0, 1, 2].map((i) => [i, handOn(inv, i, 2 - i)])));
    expect(settled.inv.hosts.map((h) => h.kafka!.nodeId)).toEqual([2, 1, 0]);
    expect(settled.ids.map((x) => x.source)).toEqual(['on disk', 'on disk', 'on disk']);
  });

  it("zkk's own meta.properties against the hand id: refused when they differ", () => {
    const inv = parse();
    expect(() => settleKafkaIds(inv, new Map([0, 1, 2].map((i) => [i, handOn(inv, i, i, i === 1 ? 7 : undefined)])))).toThrow(/disagree on the node id/);
  });
});
