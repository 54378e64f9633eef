#!/usr/bin/env node
// Deploy benchmark on the netns lab: prints figures, never fails on time.
//   npm run bench                      3-node ZooKeeper ensemble
//   npm run bench -- --kafka           3 hosts with ZooKeeper + Kafka (ZooKeeper mode, Kafka 3)
//   npm run bench -- --kraft           3 combined KRaft nodes (Kafka 4)
//   npm run bench -- --hosts N         N hosts: ZooKeeper on 5 (3 when N < 9), Kafka brokers on the
//                                      rest (ZooKeeper mode); cold deploy, then plan, no-op
//                                      deploy --no-verify and status
//   --bastion                          (3 hosts) the 2nd and 3rd reachable only through the 1st (ssh.jump):
//                                      prints the bastion's connections
//   add --roll                         then a broker config change rolled one node at a time, with
//                                      each node's phases (restart, listening, registered, in sync)
// Each run prints wall time, the zkk process's CPU time (user + system) and peak RSS, and per host SSH connections, remote
// commands and bytes uploaded. The lab is brought up fresh and torn down at the end.
// Under the lab lease: ZKK_LAB_LEASE=held flock -w 3000 /var/lib/zkk-lab/.lease npm run bench -- …
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const hostsArg = argv.includes('--hosts') ? Number(argv[argv.indexOf('--hosts') + 1]) : undefined;
const kind = hostsArg ? 'large' : flag('--kraft') ? 'kraft' : flag('--kafka') ? 'kafka' : 'zookeeper';
const roll = flag('--roll');
const withBastion = flag('--bastion') && !hostsArg;
const lab = (...args) => execFileSync('bash', [path.join(root, 'test/lab/lab.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 }).toString();
const fixtures = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
const mirror = `${fixtures}/mirror`;
const versions = Object.fromEntries(readFileSync(path.join(fixtures, 'versions.env'), 'utf8').split('\n').filter((l) => /^\w+=/.test(l)).map((l) => l.split('=')));
const state = process.env.ZKK_LAB_STATE ?? '/var/lib/zkk-lab';

const n = hostsArg ?? 3;
const names = kind === 'large' ? Array.from({ length: n }, (_, i) => `b${String(i + 1).padStart(2, '0')}`) : kind === 'kraft' ? ['k1', 'k2', 'k3'] : ['zk1', 'zk2', 'zk3'];
const zkCount = kind === 'large' ? (n < 9 ? 3 : 5) : kind === 'kraft' ? 0 : 3;
const rolesOf = (i) => {
  if (kind === 'zookeeper') return '[zookeeper]';
  if (kind === 'kafka') return '[zookeeper, kafka]';
  if (kind === 'kraft') return '[kafka]';
  return i < zkCount ? '[zookeeper]' : '[kafka]';
};

lab('down');
lab('up', ...names);
const addresses = new Map(lab('hosts').trim().split('\n').map((l) => l.split('\t')));
// the control node (10.213.0.1) cannot reach hosts 2 and 3 but through host 1 (lab down removes the rules with the hosts)
if (withBastion) for (const h of names.slice(1)) lab('exec', h, 'iptables', '-I', 'INPUT', '-s', '10.213.0.1', '-j', 'DROP');
const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-bench-'));
const inv = path.join(dir, 'inventory.yml');
function writeInventory(extraKafka = '') {
  const kafkaBlock =
    kind === 'zookeeper'
      ? ''
      : kind === 'kraft'
        ? `kafka: { version: ${versions.KAFKA4_VERSION}, heapMb: 256, release: { mirror: ${mirror} }${extraKafka} }\n`
        : `kafka: { mode: zookeeper, version: ${versions.KAFKA3_VERSION}, heapMb: ${kind === 'large' ? 160 : 256}, release: { mirror: ${mirror} }${extraKafka} }\n`;
  writeFileSync(
    inv,
    `cluster: bench
ssh: { user: root, identityFile: ${state}/ssh/id_ed25519, knownHosts: ${state}/ssh/known_hosts, config: false${withBastion ? `, jump: root@${addresses.get(names[0])}` : ''} }
hosts:
${names.map((name, i) => `  - { name: ${name}, address: ${addresses.get(name)}, roles: ${rolesOf(i)}${withBastion && i === 0 ? ', ssh: { jump: none }' : ''} }`).join('\n')}
${kind === 'kraft' ? '' : `zookeeper: { version: ${versions.ZK_VERSION}, heapMb: 128, release: { mirror: ${mirror} } }\n`}${kafkaBlock}`,
  );
}
writeInventory();

// The zkk process's peak RSS and CPU time (user + system): printed by a hook preloaded into it, read
// back from its stderr. The CPU time is what the control node itself spends, whatever the load.
const rssHook = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('@@zkk-maxrss '+u.maxRSS+' cpu '+(u.userCPUTime+u.systemCPUTime)+'\\n')})`;

/** Run zkk; every stdout line is timestamped (ms since start) for the roll's phases. */
function zkk(args) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', rssHook, path.join(root, 'bin/zkk.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const m = /@@zkk-maxrss (\d+) cpu (\d+)/.exec(err);
      resolve({ code, ms, out, err, rssKb: Number(m?.[1] ?? 0), cpuMs: Number(m?.[2] ?? 0) / 1000 });
    });
  });
}

async function run(label, args) {
  const r = await zkk([...args, '--json']);
  let rep;
  try {
    rep = JSON.parse(r.out);
  } catch {
    rep = undefined;
  }
  if (r.code !== 0 && r.code !== 4) console.error(`${label}: exit ${r.code}`, rep?.clusterErrors ?? r.err.slice(-2000), rep?.hosts?.map((h) => h.error).filter(Boolean));
  return { label, ...r, rep };
}

const runs = [];
let rollLines = [];
try {
  runs.push(await run('cold deploy', ['deploy', inv]));
  runs.push(await run('no-op deploy', ['deploy', inv]));
  runs.push(await run('no-op, --no-verify', ['deploy', inv, '--no-verify']));
  runs.push(await run('plan', ['plan', inv]));
  runs.push(await run('status', ['status', inv]));
  if (roll && kind !== 'zookeeper') {
    writeInventory(', logRetentionHours: 71');
    const r = await zkk(['deploy', inv, '--no-verify']);
    runs.push({ label: 'roll (config change)', ...r, rep: undefined });
    rollLines = r.out.split('\n').filter((l) => /Kafka back|restarting Kafka node/.test(l));
  }
} finally {
  lab('down');
}

const fmtBytes = (b) => (b > 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : b > 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);
const range = (xs) => {
  const u = [...new Set(xs)].sort((a, b) => a - b);
  return u.length <= 2 ? u.join('/') : `${u[0]}–${u[u.length - 1]}`;
};
const title = { zookeeper: 'ZooKeeper', kafka: 'ZooKeeper + Kafka (ZooKeeper mode)', kraft: 'KRaft, 3 combined nodes (Kafka 4)', large: `${n} hosts: ZooKeeper on ${zkCount}, Kafka brokers on ${n - zkCount}` }[kind];
console.log(`zkk deploy benchmark — ${title} on netns lab hosts${withBastion ? `, ${names.slice(1).join(' and ')} through bastion ${names[0]}` : ''} (${os.cpus().length} cores)`);
console.log('run                     wall   zkk CPU   peak RSS  changed  per host: connections  commands  uploaded');
for (const { label, ms, rep, rssKb, cpuMs } of runs) {
  const hosts = rep?.hosts ?? [];
  const changed = hosts.reduce((k, h) => k + (h.changed ?? 0), 0);
  const per = (k) => hosts.map((h) => h.stats?.[k] ?? 0);
  const bytes = [...new Set(per('bytesUploaded'))].map(fmtBytes).join('/');
  console.log(
    `${label.padEnd(20)} ${(ms / 1000).toFixed(2).padStart(6)} s ${`${(cpuMs / 1000).toFixed(2)} s`.padStart(9)} ${`${(rssKb / 1024).toFixed(0)} MiB`.padStart(9)}  ${rep ? String(changed).padStart(7) : '      -'}  ${(hosts.length ? range(per('connections')) : '-').padStart(21)}  ${(hosts.length ? range(per('commands')) : '-').padStart(8)}  ${(bytes || '-').padStart(8)}${withBastion && rep ? `  + ${rep.bastionConnections ?? 0} bastion connection(s)` : ''}`,
  );
}
if (rollLines.length) {
  console.log('roll, per node (from the restart command):');
  for (const l of rollLines.filter((x) => /Kafka back/.test(x))) console.log(`  ${l.trim()}`);
}
