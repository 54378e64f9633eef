/**
 * The hand-install fact and the take-over script (hand-install.ts), the shell run for real with
 * sh on a temporary tree laid out as seed post 000 does it, with a stand-in process whose
 * command line looks like the hand-started QuorumPeerMain; and the take-over resumed from the
 * points a killed run leaves behind.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptionPending, adoptionRefusal, adoptionScript, adoptionSummary, handZookeeperProbe, parseZooCfg } from '../../../src/roles/zookeeper/hand-install.js';
import { zookeeperDefaults } from '../../../src/roles/zookeeper/defaults.js';
import type { ResolvedZookeeper } from '../../../src/inventory/resolve.js';
import { cmd } from '../../../src/shell/command.js';
import { Facts } from '../../../src/facts/gather.js';
import type { Inventory } from '../../../src/inventory/resolve.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { fourLetterWordsProbe } from '../../../src/roles/zookeeper/health.js';
import { myidProbe, settleZookeeperIds, snapshotProbe } from '../../../src/roles/zookeeper/identities.js';
import { zookeeperProcessProbe } from '../../../src/roles/zookeeper/process.js';

const SEED_CFG = (root: string) => `tickTime=2000
initLimit=10
syncLimit=5
dataDir=${root}/usr/local/zookeeper/data
dataLogDir=${root}/usr/local/zookeeper/logs
clientPort=2181
server.1=10.213.0.210:3188:3288
server.2=10.213.0.220:3188:3288
server.3=10.213.0.170:3188:3288
`;

const me = os.userInfo().username;
const myGroup = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();

function settings(root: string, over: Partial<ResolvedZookeeper> = {}): ResolvedZookeeper {
  return { ...zookeeperDefaults, installDir: `${root}/usr/local/zookeeper`, dataDir: `${root}/var/lib/zookeeper`, user: me, group: myGroup, release: {}, myid: 2, ...over } as ResolvedZookeeper;
}

let roots: string[] = [];
let procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs) p.kill('SIGKILL');
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots = [];
  procs = [];
});

/** The seed's layout under a temp root, and a process that looks like `zkServer.sh start`'s. */
async function handBuilt(): Promise<{ root: string; s: ResolvedZookeeper; pid: number }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'zkk-hand-'));
  roots.push(root);
  const zk = `${root}/usr/local/zookeeper`;
  for (const d of ['conf', 'bin', 'data/version-2', 'logs/version-2']) mkdirSync(`${zk}/${d}`, { recursive: true });
  mkdirSync(`${root}/usr/local/zookeeper-3.8.0`, { recursive: true });
  writeFileSync(`${zk}/conf/zoo.cfg`, SEED_CFG(root));
  writeFileSync(`${zk}/data/myid`, '2\n');
  writeFileSync(`${zk}/data/version-2/snapshot.0`, 'snap');
  writeFileSync(`${zk}/data/version-2/acceptedEpoch`, '1');
  writeFileSync(`${zk}/logs/version-2/log.100000001`, 'txlog');
  writeFileSync(`${zk}/logs/zookeeper-root-server.out`, 'server log');
  // a "java" (node under that name) whose command line is the hand-started server's
  execFileSync('ln', ['-s', process.execPath, `${root}/java`]);
  const p = spawn(`${root}/java`, ['-e', 'setInterval(() => {}, 1000)', 'org.apache.zookeeper.server.quorum.QuorumPeerMain', `${zk}/bin/../conf/zoo.cfg`], { stdio: 'ignore' });
  procs.push(p);
  await new Promise((r) => setTimeout(r, 200));
  return { root, s: settings(root), pid: p.pid! };
}

// sh (dash here): what a sudo login runs the scripts with
const bash = (text: string) => execFileSync('sh', ['-c', text], { encoding: 'utf8' });
const probe = (s: ResolvedZookeeper) => {
  const p = handZookeeperProbe(s);
  return p.parse(bash(`{ ${p.script}\n} 2>/dev/null || true`));
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/status`, 'utf8').match(/^State:\s+Z/m);
  } catch {
    return false;
  }
};

describe('a hand-written zoo.cfg', () => {
  it('dataDir, dataLogDir, clientPort and the server lines (ports as written)', () => {
    expect(parseZooCfg(SEED_CFG(''))).toEqual({
      dataDir: '/usr/local/zookeeper/data',
      dataLogDir: '/usr/local/zookeeper/logs',
      clientPort: 2181,
      servers: [1, 2, 3].map((id, i) => ({ id, host: ['10.213.0.210', '10.213.0.220', '10.213.0.170'][i], quorumPort: 3188, electionPort: 3288 })),
    });
    expect(parseZooCfg('# c\nserver.3 = h3:2888:3888:participant;2181\n').servers).toEqual([{ id: 3, host: 'h3', quorumPort: 2888, electionPort: 3888 }]);
  });
});

describe('the hand-install fact and the take-over, run by sh', () => {
  it('reads the seed layout: at the install dir, myid, snapshots, data pending, the hand-started pid', async () => {
    const { s, pid } = await handBuilt();
    const f = probe(s);
    expect(f).toMatchObject({ at: 'install', myid: 2, snapshots: 1, dataPending: true, pendingData: ['snapshots', 'txlogs'], pids: [pid], clientPort: 2181 });
    expect(adoptionPending(f)).toBe(true);
    expect(adoptionRefusal(s, f!)).toBeUndefined();
    expect(adoptionSummary(s, f!, `${s.installDir}-3.8.0`)).toContain(`stop its hand-started process (pid ${pid})`);
  });

  it('nothing there: no fact; a zkk install (link) with no backup: none either', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'zkk-hand-'));
    roots.push(root);
    expect(probe(settings(root))).toBeUndefined();
    mkdirSync(`${root}/usr/local/zookeeper-3.8.0/conf`, { recursive: true });
    writeFileSync(`${root}/usr/local/zookeeper-3.8.0/conf/zoo.cfg`, SEED_CFG(root));
    execFileSync('ln', ['-s', `${root}/usr/local/zookeeper-3.8.0`, `${root}/usr/local/zookeeper`]);
    expect(probe(settings(root))).toBeUndefined();
  });

  it('takes it over: the process stopped, the install kept as the backup, its data moved (not the server logs), the link, the start; then nothing is pending', async () => {
    const { root, s, pid } = await handBuilt();
    const vdir = `${s.installDir}-3.8.0`;
    const run = () => bash(adoptionScript(s, probe(s)!, vdir, cmd('touch', `${root}/started`)).text);
    run();
    expect(alive(pid)).toBe(false);
    expect(readlinkSync(s.installDir)).toBe(vdir);
    expect(readdirSync(`${s.dataDir}/version-2`).sort()).toEqual(['acceptedEpoch', 'log.100000001', 'snapshot.0']);
    expect(readFileSync(`${s.dataDir}/version-2/log.100000001`, 'utf8')).toBe('txlog');
    expect(existsSync(`${s.installDir}.pre-zkk/conf/zoo.cfg`)).toBe(true);
    expect(existsSync(`${s.installDir}.pre-zkk/logs/zookeeper-root-server.out`)).toBe(true);
    expect(existsSync(`${s.installDir}.pre-zkk/data/version-2`)).toBe(false);
    expect(readFileSync(`${s.installDir}.pre-zkk/ZKK-ADOPTED`, 'utf8')).toContain(`transaction logs: ${s.installDir}.pre-zkk/logs/version-2 moved to ${s.dataDir}/version-2`);
    expect(existsSync(`${root}/started`)).toBe(true);
    // taken over: the backup is read for its ports, nothing is pending
    const after = probe(s)!;
    expect(after).toMatchObject({ at: 'backup', dataPending: false, pids: [], myid: 2 });
    expect(adoptionPending(after)).toBe(false);
  });

  it('resumes where a killed run stopped: after the move to the backup, and halfway through the data', async () => {
    const { root, s, pid } = await handBuilt();
    process.kill(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    bash(`mv -T ${s.installDir} ${s.installDir}.pre-zkk && mkdir -p ${s.dataDir}/version-2 && mv ${s.installDir}.pre-zkk/data/version-2/snapshot.0 ${s.dataDir}/version-2/`);
    const f = probe(s)!;
    expect(f).toMatchObject({ at: 'backup', dataPending: true, myid: 2 });
    expect(adoptionPending(f)).toBe(true);
    bash(adoptionScript(s, f, `${s.installDir}-3.8.0`, cmd('touch', `${root}/started`)).text);
    expect(readdirSync(`${s.dataDir}/version-2`).sort()).toEqual(['acceptedEpoch', 'log.100000001', 'snapshot.0']);
    expect(readlinkSync(s.installDir)).toBe(`${s.installDir}-3.8.0`);
    expect(adoptionPending(probe(s))).toBe(false);
  });

  it('refused: another client port, data kept outside the install dir, no myid', async () => {
    const { s } = await handBuilt();
    const f = probe(s)!;
    expect(adoptionRefusal({ ...s, clientPort: 2182 }, f)?.hint).toBe('set zookeeper.clientPort: 2181 in the inventory (clients keep connecting there)');
    expect(adoptionRefusal(s, { ...f, dataDir: '/data/zk' })?.hint).toBe('set zookeeper.dataDir: /data/zk in the inventory to keep that data where it is');
    expect(adoptionRefusal({ ...s, dataDir: '/data/zk' }, { ...f, dataDir: '/data/zk' })).toBeUndefined();
    expect(adoptionRefusal(s, { ...f, myid: undefined })?.reason).toMatch(/no myid file/);
  });
});

describe('ids and ports settled from a hand install (identities.ts)', () => {
  const yaml = (extra = '') => `cluster: c\nhosts:\n  - { name: zk1, address: 10.214.1.11, roles: [zookeeper] }\n  - { name: zk2, address: 10.214.1.12, roles: [zookeeper] }\n  - { name: zk3, address: 10.214.1.13, roles: [zookeeper] }\nzookeeper: { version: 3.8.4${extra} }\n`;
  const handOn = (inv: Inventory, index: number, myid: number, zkkMyid?: string) => {
    const s = inv.hosts[index]!.zookeeper!;
    const f = new Facts();
    f.set(handZookeeperProbe(s).key, { at: 'install', dataDir: '/usr/local/zookeeper/data', clientPort: 2181, servers: [1, 2, 3].map((id) => ({ id, host: `10.214.1.1${id}`, quorumPort: 3188, electionPort: 3288 })), myid, snapshots: 1, dataPending: true, pids: [100 + myid] });
    f.set(myidProbe(s).key, zkkMyid === undefined ? { kind: 'missing' } : { kind: 'file', owner: 'zookeeper', group: 'zookeeper', mode: '0644', size: zkkMyid.length, mtime: 1, sha256: 'x', content: zkkMyid });
    f.set(snapshotProbe(s).key, '0');
    f.set(zookeeperProcessProbe(s).key, { running: false });
    f.set(fourLetterWordsProbe(s.clientPort).key, { srvr: { mode: 'follower' } });
    return f;
  };
  const parse = (y: string) => parseInventory(y, '/tmp/inventory.yml', inventorySections);

  it('the hand myids are kept whatever the host order; its quorum/election ports kept unless the inventory sets them; nothing held back', () => {
    const inv = parse(yaml());
    // the hand ids run opposite to the inventory order
    const settled = settleZookeeperIds(inv, new Map([0, 1, 2].map((i) => [i, handOn(inv, i, 3 - i)])));
    expect(settled.inv.hosts.map((h) => [h.zookeeper!.myid, h.zookeeper!.quorumPort, h.zookeeper!.electionPort, h.zookeeper!.joinAfterRoll])).toEqual([[3, 3188, 3288, false], [2, 3188, 3288, false], [1, 3188, 3288, false]]);
    const asked = parse(yaml(', quorumPort: 2888'));
    const withPort = settleZookeeperIds(asked, new Map([0, 1, 2].map((i) => [i, handOn(asked, i, i + 1)])));
    expect(withPort.inv.hosts.map((h) => [h.zookeeper!.quorumPort, h.zookeeper!.electionPort])).toEqual([[2888, 3288], [2888, 3288], [2888, 3288]]);
  });

  it("zkk's myid file against the hand one: refused when they differ", () => {
    const inv = parse(yaml());
    const facts = new Map([0, 1, 2].map((i) => [i, handOn(inv, i, i + 1, i === 1 ? '3\n' : undefined)]));
    expect(() => settleZookeeperIds(inv, facts)).toThrow(/says myid 3, the hand-built server's myid file says 2/);
  });
});
