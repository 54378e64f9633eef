#!/usr/bin/env node
// ZooKeeper scale-out and scale-in benchmark on the netns lab: prints figures, never fails on time.
//   ZKK_LAB_LEASE=held flock -w 3000 /var/lib/zkk-lab/.lease node test/bench/zookeeper-scale-bench.mjs
// Deploys zk1..zk3, then times the one deploy that grows the ensemble to 5 with zk4 and zk5
// inserted in the middle of the inventory (static config: new servers first, then a gated
// roll of the old ones, leader last), the no-op deploy after it, then the deploy that shrinks
// it back to 3 (zk4, zk5 `leaving: true`: hand-over if one of them leads, a gated roll of
// zk1..zk3, leader last, zk4/zk5 stopped last) and its no-op. Then the same with
// zookeeper.reconfig: true on a new ensemble (the static one uninstalled, purged): 3 → 5 by
// reconfig -add (no restart of zk1..zk3), its no-op, 5 → 3 by reconfig -remove, its no-op.
// Torn down at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lab = (...args) => execFileSync('bash', [path.join(root, 'test/lab/lab.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const fixtures = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
const versions = Object.fromEntries(readFileSync(path.join(fixtures, 'versions.env'), 'utf8').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));
const state = process.env.ZKK_LAB_STATE ?? '/var/lib/zkk-lab';
const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-bench-zkscale-'));
const inv = path.join(dir, 'inventory.yml');
let address = {};

function write(hosts, leaving = [], reconfig = false) {
  writeFileSync(
    inv,
    `cluster: bench
ssh: { user: root, identityFile: ${state}/ssh/id_ed25519, knownHosts: ${state}/ssh/known_hosts, config: false }
hosts:
${hosts.map((h) => `  - { name: ${h}, address: ${address[h]}, roles: [zookeeper]${leaving.includes(h) ? ', leaving: true' : ''} }`).join('\n')}
zookeeper: { version: ${versions.ZK_VERSION}, heapMb: 128, reconfig: ${reconfig}, release: { mirror: ${fixtures}/mirror } }
`,
  );
}

function deploy(label, args = ['deploy', inv, '--json']) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/zkk.js'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let rep;
  try {
    rep = JSON.parse(r.stdout);
  } catch {
    rep = { hosts: [], clusterErrors: [r.stderr.slice(-500)] };
  }
  if (r.status !== 0) console.error(`${label}: exit ${r.status}`, rep.clusterErrors);
  return { label, ms, status: r.status, changed: (rep.hosts ?? []).reduce((n, h) => n + (h.changed ?? 0), 0) };
}

lab('down');
lab('up', 'zk1', 'zk2', 'zk3', 'zk4', 'zk5');
// addresses are stable per name (hosts.tsv), not by number
address = Object.fromEntries(lab('hosts').trim().split('\n').map((l) => l.split('\t')));
const runs = [];
try {
  write(['zk1', 'zk2', 'zk3']);
  runs.push(deploy('deploy zk1..zk3'));
  write(['zk1', 'zk4', 'zk2', 'zk5', 'zk3']);
  runs.push(deploy('3 → 5 (static)'));
  runs.push(deploy('no-op after 3 → 5'));
  write(['zk1', 'zk4', 'zk2', 'zk5', 'zk3'], ['zk4', 'zk5']);
  runs.push(deploy('5 → 3 (static)'));
  runs.push(deploy('no-op after 5 → 3'));
  write(['zk1', 'zk2', 'zk3', 'zk4', 'zk5']);
  runs.push(deploy('uninstall --purge', ['uninstall', inv, '--yes-really-purge', 'bench', '--json']));
  write(['zk1', 'zk2', 'zk3'], [], true);
  runs.push(deploy('deploy 3 (reconfig)'));
  write(['zk1', 'zk4', 'zk2', 'zk5', 'zk3'], [], true);
  runs.push(deploy('3 → 5 (reconfig)'));
  runs.push(deploy('no-op after 3 → 5 (r)'));
  write(['zk1', 'zk4', 'zk2', 'zk5', 'zk3'], ['zk4', 'zk5'], true);
  runs.push(deploy('5 → 3 (reconfig)'));
  runs.push(deploy('no-op after 5 → 3 (r)'));
} finally {
  lab('down');
}

console.log(`ZooKeeper scale-out and scale-in benchmark on 5 netns lab hosts (${os.cpus().length} cores, ZooKeeper ${versions.ZK_VERSION})`);
console.log('run                    wall      changed  exit');
for (const r of runs) console.log(`${r.label.padEnd(22)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${String(r.changed).padStart(7)}  ${r.status}`);
