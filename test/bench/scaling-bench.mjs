#!/usr/bin/env node
// Broker scaling benchmark on the netns lab (KRaft, Kafka 4): prints figures, never fails on time.
//   node test/bench/scaling-bench.mjs [--mb 200] [--partitions 60] [--throttle MB/s]
// Run it under the lab lease: ZKK_LAB_LEASE=held flock -w 3000 /var/lib/zkk-lab/.lease node test/bench/scaling-bench.mjs
// Needs a build (npx tsc). The lab is brought up fresh (k1..k4) and torn down at the end.
//
// Steps: deploy 3 combined KRaft nodes (k1..k3); a topic of N partitions, RF 3, filled with
// --mb MB (1 KiB records, kafkajs); deploy k4; then the figures: `zkk rebalance` 3 → 4 (the
// wall time of the CLI: plan, moves, ISR wait, throttle removal, elections) and
// `zkk decommission k4` (moves, stop, unregister).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const mb = Number(arg('--mb', '200'));
const partitions = Number(arg('--partitions', '60'));
const throttle = arg('--throttle');
const lab = (...args) => execFileSync('bash', [path.join(root, 'test/lab/lab.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const fixtures = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
const versions = Object.fromEntries(readFileSync(path.join(fixtures, 'versions.env'), 'utf8').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));
const state = process.env.ZKK_LAB_STATE ?? '/var/lib/zkk-lab';
const zkk = path.join(root, 'bin/zkk.js');
const { Kafka, logLevel } = (await import('kafkajs')).default;

const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-scaling-bench-'));
const inv = path.join(dir, 'inventory.yml');
function write(hosts) {
  writeFileSync(
    inv,
    `cluster: bench-scaling
ssh: { user: root, identityFile: ${state}/ssh/id_ed25519, knownHosts: ${state}/ssh/known_hosts, config: false, connectTimeout: 5, connectRetries: 0 }
hosts:
${hosts.map((h) => `  - { name: ${h.name}, address: ${h.address}, roles: [kafka] }`).join('\n')}
kafka: { version: ${versions.KAFKA4_VERSION}, heapMb: 512, release: { mirror: ${fixtures}/mirror } }
`,
  );
}
function run(args) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [zkk, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`zkk ${args.join(' ')} failed (exit ${r.status}): ${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
  return { s: (Date.now() - t0) / 1000, out: r.stdout };
}

try {
  lab('down');
  lab('up', 'k1', 'k2', 'k3', 'k4');
  const hosts = lab('hosts').trim().split('\n').map((l) => l.split('\t')).filter(([n]) => /^k[1-4]$/.test(n)).map(([name, address]) => ({ name, address }));
  write(hosts.slice(0, 3));
  const d3 = run(['deploy', inv]);
  const brokers = hosts.slice(0, 3).map((h) => `${h.address}:9092`);
  const kafka = new Kafka({ clientId: 'scaling-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bench-scale', numPartitions: partitions, replicationFactor: 3 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const value = Buffer.alloc(1024, 'x');
  const batches = Math.ceil((mb * 1024) / 500);
  let t0 = Date.now();
  for (let i = 0; i < batches; i++) await producer.send({ topic: 'bench-scale', acks: -1, messages: Array.from({ length: 500 }, (_, j) => ({ key: String(i * 500 + j), value })) });
  const fillS = (Date.now() - t0) / 1000;
  await producer.disconnect();
  await admin.disconnect();
  write(hosts);
  const d4 = run(['deploy', inv]);
  const reb = run(['rebalance', inv, ...(throttle ? ['--throttle', throttle] : [])]);
  const moves = /(\d+) replica copies/.exec(reb.out)?.[1];
  const dec = run(['decommission', inv, 'k4', ...(throttle ? ['--throttle', throttle] : [])]);
  const decMoves = /(\d+) replica copies/.exec(dec.out)?.[1];
  console.log(`
broker scaling, KRaft on Kafka ${versions.KAFKA4_VERSION}, ${partitions} partitions × RF 3, ${mb} MB of 1 KiB records (${throttle ? `throttle ${throttle} MB/s` : 'no throttle'})
  deploy 3 nodes (setup)             ${d3.s.toFixed(1)} s
  fill ${mb} MB (acks=all)            ${fillS.toFixed(1)} s
  deploy k4 (joins)                  ${d4.s.toFixed(1)} s
  zkk rebalance 3 → 4                ${reb.s.toFixed(1)} s  (${moves} replica copies, ≈ ${((mb * Number(moves)) / (partitions * 3)).toFixed(0)} MB copied)
  zkk decommission k4                ${dec.s.toFixed(1)} s  (${decMoves} replica copies, stop, unregister)`);
} finally {
  lab('down');
}
