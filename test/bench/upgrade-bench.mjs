#!/usr/bin/env node
// Upgrade benchmark on the netns lab: prints figures, never fails on time.
//   node test/bench/upgrade-bench.mjs            ZooKeeper 3.8.x → 3.9.x on 3 nodes
//   node test/bench/upgrade-bench.mjs --kafka    + Kafka 3.9.y → 3.9.z (ZooKeeper mode), co-located, one deploy
//   node test/bench/upgrade-bench.mjs --kraft    Kafka 4.x → 4.y on 3 combined KRaft nodes, then zkk upgrade finalize --yes
// Prints the whole upgrade deploy's wall time and, per node, the time from "restarting" to "back"
// (read from zkk's own progress lines as they arrive). With the lab lease:
//   ZKK_LAB_LEASE=held flock -w 3000 /var/lib/zkk-lab/.lease node test/bench/upgrade-bench.mjs
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kraft = process.argv.includes('--kraft');
const withKafka = process.argv.includes('--kafka');
const lab = (...args) => execFileSync('bash', [path.join(root, 'test/lab/lab.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const fixtures = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
const v = Object.fromEntries(readFileSync(path.join(fixtures, 'versions.env'), 'utf8').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));
const state = process.env.ZKK_LAB_STATE ?? '/var/lib/zkk-lab';
const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-upgrade-bench-'));
const inv = path.join(dir, 'inventory.yml');
const roles = kraft ? '[kafka]' : withKafka ? '[zookeeper, kafka]' : '[zookeeper]';
const write = (zk, kafka) =>
  writeFileSync(
    inv,
    `cluster: bench
ssh: { user: root, identityFile: ${state}/ssh/id_ed25519, knownHosts: ${state}/ssh/known_hosts, config: false }
hosts:
  - { name: zk1, address: 10.213.0.11, roles: ${roles} }
  - { name: zk2, address: 10.213.0.12, roles: ${roles} }
  - { name: zk3, address: 10.213.0.13, roles: ${roles} }
${kraft ? '' : `zookeeper: { version: ${zk}, heapMb: 128, release: { mirror: ${fixtures}/mirror } }\n`}${withKafka || kraft ? `kafka: { mode: ${kraft ? 'kraft' : 'zookeeper'}, version: ${kafka}, heapMb: 256, release: { mirror: ${fixtures}/mirror } }\n` : ''}`,
  );

/** deploy (or another zkk command); timestamps of the progress lines "restarting …" / "… back" per host */
function deploy(args = ['deploy', inv]) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [path.join(root, 'bin/zkk.js'), ...args], { env: { ...process.env, CI: '1' } });
    const rolls = [];
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /(zk\d).*?(restarting (ZooKeeper|Kafka)|(ZooKeeper|Kafka) back)/.exec(line);
        if (!m) continue;
        const what = m[3] ?? m[4];
        if (m[2].startsWith('restarting')) rolls.push({ host: m[1], what, start: Date.now() });
        else {
          const r = rolls.findLast((x) => x.host === m[1] && x.what === what && !x.end);
          if (r) r.end = Date.now();
        }
      }
    });
    p.stderr.on('data', () => {});
    p.on('close', (code) => resolve({ code, ms: Date.now() - t0, rolls }));
  });
}

lab('down');
lab('up', 'zk1', 'zk2', 'zk3');
let first, up, fin;
try {
  write(v.ZK38_VERSION, kraft ? v.KAFKA4_PREV_VERSION : v.KAFKA3_PREV_VERSION);
  first = await deploy();
  write(v.ZK39_VERSION, kraft ? v.KAFKA4_VERSION : v.KAFKA3_VERSION);
  up = await deploy();
  if (kraft) fin = await deploy(['upgrade', 'finalize', inv, '--yes']);
} finally {
  lab('down');
}
const what = kraft
  ? `Kafka ${v.KAFKA4_PREV_VERSION} → ${v.KAFKA4_VERSION} (KRaft, combined nodes)`
  : `ZooKeeper ${v.ZK38_VERSION} → ${v.ZK39_VERSION}${withKafka ? ` + Kafka ${v.KAFKA3_PREV_VERSION} → ${v.KAFKA3_VERSION}` : ''}`;
console.log(`zkk upgrade benchmark — ${what} on 3 netns lab hosts (${os.cpus().length} cores)`);
console.log(`  first deploy (old versions): ${(first.ms / 1000).toFixed(1)} s, exit ${first.code}`);
console.log(`  upgrade deploy, whole:       ${(up.ms / 1000).toFixed(1)} s, exit ${up.code}`);
for (const r of up.rolls) console.log(`    ${r.what.padEnd(9)} ${r.host}: restart → back ${r.end ? `${((r.end - r.start) / 1000).toFixed(1)} s` : 'not seen'}`);
if (fin) console.log(`  zkk upgrade finalize --yes:  ${(fin.ms / 1000).toFixed(1)} s, exit ${fin.code}`);
