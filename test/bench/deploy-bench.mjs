#!/usr/bin/env node
// Deploy benchmark on the netns lab: prints figures, never fails on time.
//   npm run bench                 3-node ZooKeeper ensemble
//   npm run bench -- --kafka      3 hosts with ZooKeeper + Kafka (ZooKeeper mode)
//   npm run bench -- --bastion    zk2 and zk3 reachable only through zk1 (ssh.jump): prints the bastion's connections
// For each run: wall time, and per host SSH connections, remote commands, bytes uploaded.
// The lab is brought up fresh (zk1..zk3) and torn down at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const withKafka = process.argv.includes('--kafka');
const withBastion = process.argv.includes('--bastion');
const lab = (...args) => execFileSync('bash', [path.join(root, 'test/lab/lab.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const fixtures = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
const versions = Object.fromEntries(readFileSync(path.join(fixtures, 'versions.env'), 'utf8').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));

lab('down');
lab('up', 'zk1', 'zk2', 'zk3');
// the control node (10.213.0.1) cannot reach zk2 and zk3 but through zk1 (lab down removes the rules with the hosts)
if (withBastion) for (const h of ['zk2', 'zk3']) lab('exec', h, 'iptables', '-I', 'INPUT', '-s', '10.213.0.1', '-j', 'DROP');
const state = process.env.ZKK_LAB_STATE ?? '/var/lib/zkk-lab';
const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-bench-'));
const inv = path.join(dir, 'inventory.yml');
const roles = withKafka ? '[zookeeper, kafka]' : '[zookeeper]';
writeFileSync(
  inv,
  `cluster: bench
ssh: { user: root, identityFile: ${state}/ssh/id_ed25519, knownHosts: ${state}/ssh/known_hosts, config: false${withBastion ? ', jump: root@10.213.0.11' : ''} }
hosts:
  - { name: zk1, address: 10.213.0.11, roles: ${roles}${withBastion ? ', ssh: { jump: none }' : ''} }
  - { name: zk2, address: 10.213.0.12, roles: ${roles} }
  - { name: zk3, address: 10.213.0.13, roles: ${roles} }
zookeeper: { version: ${versions.ZK_VERSION}, heapMb: 128, release: { mirror: ${fixtures}/mirror } }
${withKafka ? `kafka: { version: ${versions.KAFKA3_VERSION}, heapMb: 256, release: { mirror: ${fixtures}/mirror } }\n` : ''}`,
);

function deploy(label, extra = []) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/zkk.js'), 'deploy', inv, '--json', ...extra], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rep = JSON.parse(r.stdout);
  if (r.status !== 0) console.error(`${label}: exit ${r.status}`, rep.clusterErrors, rep.hosts.map((h) => h.error).filter(Boolean));
  return { label, ms, rep };
}

const runs = [];
try {
  runs.push(deploy('cold deploy'));
  runs.push(deploy('no-op deploy'));
  runs.push(deploy('no-op, --no-verify', ['--no-verify']));
} finally {
  lab('down');
}

const fmtBytes = (n) => (n > 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n > 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
console.log(`zkk deploy benchmark — ${withKafka ? 'ZooKeeper + Kafka' : 'ZooKeeper'} on 3 netns lab hosts${withBastion ? ', zk2 and zk3 through bastion zk1' : ''} (${os.cpus().length} cores)`);
console.log('run                  wall      changed  per host: connections  commands  uploaded');
for (const { label, ms, rep } of runs) {
  const changed = rep.hosts.reduce((n, h) => n + h.changed, 0);
  const per = (k) => [...new Set(rep.hosts.map((h) => h.stats?.[k] ?? 0))];
  const bytes = per('bytesUploaded').map(fmtBytes).join('/');
  console.log(
    `${label.padEnd(20)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${String(changed).padStart(7)}  ${per('connections').join('/').padStart(21)}  ${per('commands').join('/').padStart(8)}  ${bytes.padStart(8)}${withBastion ? `  + ${rep.bastionConnections ?? 0} bastion connection(s)` : ''}`,
  );
}
console.log(`(engine time reported by zkk: ${runs.map((r) => `${(r.rep.durationMs / 1000).toFixed(2)} s`).join(', ')})`);
