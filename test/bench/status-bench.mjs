#!/usr/bin/env node
// `zkk status` benchmark on the netns lab: prints figures, never fails on time.
//   node test/bench/status-bench.mjs               ZooKeeper mode (3 × ZooKeeper + Kafka 3), then KRaft (3 × Kafka 4)
//   node test/bench/status-bench.mjs --only zk     (or --only kraft); --runs N (default 5)
// Run it under the lab lock: flock /var/lock/zkk-lab.lock node test/bench/status-bench.mjs
// Needs a build (npm run build). The lab is brought up fresh (zk1..zk3) and torn down at the end.
//
// Figures per cluster: CLI wall time of `zkk status --json` (node start + imports + work),
// the collection alone in-process (cold: SSH connects; warm: a --watch session reusing
// connections), SSH connections and remote commands per host, the time to report a cut
// host, and for KRaft the JVM tool (kafka-metadata-quorum.sh, the fallback) for comparison.
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
const only = arg('--only');
const runs = Number(arg('--runs', '5'));
const lab = (...args) => execFileSync('bash', [path.join(root, 'test/lab/lab.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const fixtures = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
const versions = Object.fromEntries(readFileSync(path.join(fixtures, 'versions.env'), 'utf8').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));
const state = process.env.ZKK_LAB_STATE ?? '/var/lib/zkk-lab';
const zkk = path.join(root, 'bin/zkk.js');

const { loadInventory } = await import(path.join(root, 'dist/inventory/load.js'));
const { inventorySections } = await import(path.join(root, 'dist/roles/all-roles.js'));
const { StatusSession } = await import(path.join(root, 'dist/engine/status.js'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const fmt = (x) => `${Math.round(x)} ms`;

function inventory(kind) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-status-bench-'));
  const inv = path.join(dir, 'inventory.yml');
  const roles = kind === 'zk' ? '[zookeeper, kafka]' : '[kafka]';
  writeFileSync(
    inv,
    `cluster: bench-${kind}
ssh: { user: root, identityFile: ${state}/ssh/id_ed25519, knownHosts: ${state}/ssh/known_hosts, config: false, connectTimeout: 5, connectRetries: 0 }
hosts:
  - { name: zk1, address: 10.213.0.11, roles: ${roles} }
  - { name: zk2, address: 10.213.0.12, roles: ${roles} }
  - { name: zk3, address: 10.213.0.13, roles: ${roles} }
${kind === 'zk' ? `zookeeper: { version: ${versions.ZK_VERSION}, heapMb: 128, release: { mirror: ${fixtures}/mirror } }\n` : ''}kafka: { version: ${kind === 'zk' ? versions.KAFKA3_VERSION : versions.KAFKA4_VERSION}, heapMb: 256, release: { mirror: ${fixtures}/mirror } }
`,
  );
  return inv;
}

function cliStatus(inv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [zkk, 'status', inv, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = ms(t0);
  const rep = JSON.parse(r.stdout);
  return { wall, rep, code: r.status };
}

async function waitHealthy(inv, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = cliStatus(inv);
    if (last.rep.verdict === 'HEALTHY') return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`not HEALTHY after ${timeoutMs / 1000} s: ${last?.rep.reasons.map((r) => r.message).join('; ')}`);
}

async function bench(kind) {
  const label = kind === 'zk' ? `ZooKeeper mode: 3 × (ZooKeeper ${versions.ZK_VERSION} + Kafka ${versions.KAFKA3_VERSION}) = 6 services` : `KRaft: 3 × Kafka ${versions.KAFKA4_VERSION} (broker+controller)`;
  lab('down');
  lab('up', 'zk1', 'zk2', 'zk3');
  const inv = inventory(kind);
  let t0 = process.hrtime.bigint();
  const d = spawnSync(process.execPath, [zkk, 'deploy', inv, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (d.status !== 0) throw new Error(`deploy failed (exit ${d.status}): ${d.stdout.slice(-2000)}${d.stderr.slice(-2000)}`);
  const deployMs = ms(t0);
  await waitHealthy(inv);

  const cli = [];
  for (let i = 0; i < runs; i++) cli.push(cliStatus(inv));

  const invObj = await loadInventory(inv, inventorySections);
  const cold = [];
  let stats;
  for (let i = 0; i < runs; i++) {
    const s = new StatusSession(invObj);
    t0 = process.hrtime.bigint();
    await s.collect();
    cold.push(ms(t0));
    stats = s.stats();
    await s.close();
  }
  const session = new StatusSession(invObj);
  await session.collect();
  const warm = [];
  for (let i = 0; i < runs; i++) {
    t0 = process.hrtime.bigint();
    await session.collect();
    warm.push(ms(t0));
  }
  await session.close();

  const out = [
    '',
    label,
    `  deploy (setup)                 ${(deployMs / 1000).toFixed(1)} s`,
    `  zkk status --json, CLI wall    median ${fmt(median(cli.map((c) => c.wall)))}  (min ${fmt(Math.min(...cli.map((c) => c.wall)))}, ${runs} runs, verdicts ${[...new Set(cli.map((c) => c.rep.verdict))].join('/')})`,
    `  collection, cold (connects)    median ${fmt(median(cold))}  (min ${fmt(Math.min(...cold))})`,
    `  collection, warm (--watch)     median ${fmt(median(warm))}  (min ${fmt(Math.min(...warm))})`,
    `  per host per collection        ${stats.connections / 3} SSH connection(s), ${stats.commands / 3} remote command(s)`,
  ];

  if (kind === 'kraft') {
    // what the JVM tool (the fallback) costs, on one controller, for comparison
    const { connectSsh } = await import(path.join(root, 'dist/transport/ssh.js'));
    const { quorumStatus } = await import(path.join(root, 'dist/roles/kafka/kafka-role.js'));
    const h = invObj.hosts[0];
    const conn = await connectSsh({ name: h.name, address: h.address, user: 'root', identityFile: h.ssh.identityFile, config: false, knownHosts: h.ssh.knownHosts, hostKeyPolicy: 'accept-new', connectTimeout: 5, connectRetries: 0 });
    const jvm = [];
    for (let i = 0; i < Math.min(runs, 3); i++) {
      t0 = process.hrtime.bigint();
      const st = await quorumStatus(conn, h.kafka);
      jvm.push(ms(t0));
      if (st.leaderId === undefined) out.push(`  (kafka-metadata-quorum gave no leader: ${st.raw.slice(0, 200)})`);
    }
    await conn.close();
    out.push(`  kafka-metadata-quorum.sh (JVM, the fallback) on ${h.name}: median ${fmt(median(jvm))} — DescribeQuorum from the control node is part of the collection above`);
  }

  // a cut host: how long until status reports it
  lab('cut', 'zk2');
  try {
    const c = cliStatus(inv);
    const zk2 = c.rep.hosts.find((x) => x.name === 'zk2');
    out.push(`  one host cut (zk2): CLI wall ${fmt(c.wall)}, verdict ${c.rep.verdict}, zk2: ${zk2.ssh.error?.message ?? 'reachable?!'}`);
  } finally {
    lab('heal', 'zk2');
  }
  return out.join('\n');
}

const results = [];
try {
  if (only !== 'kraft') results.push(await bench('zk'));
  if (only !== 'zk') results.push(await bench('kraft'));
} finally {
  lab('down');
}
console.log(`zkk status benchmark on 3 netns lab hosts (${os.cpus().length} cores, node ${process.version})${results.join('\n')}`);
