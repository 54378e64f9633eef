/**
 * `zkk status` on real hosts with real JVMs — the netns lab, or Vagrant VMs with
 * ZKK_E2E_TARGET=vagrant (see target.ts): a host with nothing deployed, a ZooKeeper-mode
 * cluster (healthy, the ZooKeeper leader cut, a broker stopped, two of three ZooKeeper
 * servers stopped) and a KRaft cluster. The lab is shared: run under
 *   flock /var/lock/zkk-lab.lock npx vitest run test/e2e/status.test.ts
 * (npm run build first: the CLI runs from dist/).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHost } from '../../src/engine/connect-host.js';
import { gatherFacts } from '../../src/facts/gather.js';
import { writtenAfterStart } from '../../src/facts/process-start.js';
import { pathProbe, processProbe } from '../../src/facts/probes.js';
import { loadInventory } from '../../src/inventory/load.js';
import { inventorySections } from '../../src/roles/all-roles.js';
import { kafkaClient } from '../../src/roles/kafka/client.js';
import { script } from '../../src/shell/command.js';
import { cut, heal, hostsDown, hostSsh, hostsUp, re, serviceCommand, T, TARGET, type TargetInfo } from './target.js';
import { statusValidator, type RoleStatusReport as StatusReport } from '../unit/engine/status-fixtures.js';
import { fixtureVersions, MIRROR, runZkk, sleep, writeLabInventory, ZKK } from './helpers.js';

const versions = fixtureVersions();
const validator = statusValidator();
const log = (msg: string) => console.log(`[status-e2e ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface StatusRun {
  code: number;
  report: StatusReport;
  ms: number;
  stdout: string;
  stderr: string;
}

async function status(inv: string, args: string[] = []): Promise<StatusRun> {
  const t0 = Date.now();
  const r = await runZkk(['status', inv, '--json', ...args], { timeoutMs: T(120_000) });
  const ms = Date.now() - t0;
  let report: StatusReport;
  try {
    report = JSON.parse(r.stdout) as StatusReport;
  } catch {
    throw new Error(`zkk status printed no JSON (exit ${r.code})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  const v = validator.safeParse(report);
  if (!v.success) throw new Error(`status JSON does not match test/fixtures/status.schema.json: ${v.error.message}`);
  expect(r.code).toBe(report.exitCode);
  return { code: r.code, report, ms, stdout: r.stdout, stderr: r.stderr };
}

async function table(inv: string): Promise<{ code: number; text: string; stderr: string }> {
  const r = await runZkk(['status', inv], { timeoutMs: T(120_000) });
  return { code: r.code, text: r.stdout, stderr: r.stderr };
}

async function waitForStatus(inv: string, what: string, pred: (r: StatusReport) => boolean, timeoutMs: number): Promise<StatusRun> {
  const deadline = Date.now() + timeoutMs;
  let last: StatusRun | undefined;
  const seen: string[] = [];
  while (Date.now() < deadline) {
    last = await status(inv);
    const summary = `${last.report.verdict} [${last.report.reasons.map((r) => `${r.host ? `${r.host}: ` : ''}${r.message}`).join(' | ')}]`;
    if (seen.at(-1) !== summary) seen.push(summary);
    if (pred(last.report)) return last;
    await sleep(2000);
  }
  throw new Error(`timed out (${timeoutMs / 1000} s) waiting for ${what}; verdicts seen:\n  ${seen.join('\n  ')}`);
}

const svc = (r: StatusReport, host: string, service: 'zookeeper' | 'kafka') => r.hosts.find((h) => h.name === host)!.services.find((s) => s.service === service)!;
const hostOf = (r: StatusReport, host: string) => r.hosts.find((h) => h.name === host)!;

async function deploy(inv: string): Promise<void> {
  const t0 = Date.now();
  const r = await runZkk(['deploy', inv, '--json'], { timeoutMs: T(900_000) });
  if (r.code !== 0) throw new Error(`deploy failed (exit ${r.code})\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  log(`deployed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

describe(`zkk status on the ${TARGET}`, () => {
  let info: TargetInfo;

  beforeAll(async () => {
    await hostsDown();
    info = await hostsUp(['zk1', 'zk2', 'zk3']);
  }, T(300_000));

  afterAll(async () => {
    await hostsDown();
  }, T(300_000));

  // runs before the ZooKeeper-mode cluster below is deployed onto the same hosts
  it('a host with nothing deployed says "not installed", without an error trace', async () => {
    const inv = writeLabInventory(info, [{ name: 'zk1', roles: ['zookeeper', 'kafka'] }], { zookeeper: { heapMb: 128 }, kafka: { version: versions.kafka3, heapMb: 256 } });
    const s = await status(inv);
    expect(s.report.verdict).toBe('DOWN');
    expect(s.code).toBe(5);
    expect(svc(s.report, 'zk1', 'zookeeper').state).toBe('not-installed');
    expect(svc(s.report, 'zk1', 'kafka').state).toBe('not-installed');
    expect(s.report.reasons.map((r) => r.message)).toContain('nothing is deployed yet (run zkk deploy with this inventory)');
    const t = await table(inv);
    expect(t.code).toBe(5);
    expect(t.text).toMatch(/zk1 +ok +not installed/);
    expect(t.stderr).not.toMatch(/internal error|\n\s+at /);
  }, T(60_000));

  describe('ZooKeeper mode (3 × ZooKeeper + Kafka 3)', () => {
    let inv: string;
    const hosts = ['zk1', 'zk2', 'zk3'];

    beforeAll(async () => {
      inv = writeLabInventory(
        info,
        hosts.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })),
        {
          zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
          kafka: { version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR } },
        },
      );
      await deploy(inv);
    }, T(900_000));

    it('healthy → HEALTHY, exit 0, every column filled, JSON validates', async () => {
      const s = await waitForStatus(inv, 'HEALTHY', (r) => r.verdict === 'HEALTHY', T(60_000));
      const again = await status(inv); // warm: what an operator sees
      log(`healthy status: ${again.ms} ms wall (CLI), ${again.report.durationMs} ms collecting`);
      const r = again.report;
      expect(again.code).toBe(0);
      expect(r.reasons).toEqual([]);
      expect(r.zookeeper).toMatchObject({ ensembleSize: 3, serving: 3, hasQuorum: true });
      const leader = r.zookeeper!.leader!;
      for (const h of hosts) {
        const zk = svc(r, h, 'zookeeper');
        if (zk.service !== 'zookeeper') throw new Error('unreachable');
        expect(zk).toMatchObject({ state: 'running', version: versions.zookeeper, mode: h === leader ? 'leader' : 'follower' });
        expect(zk.pid).toBeGreaterThan(0);
        expect(zk.uptimeSec).toBeGreaterThanOrEqual(0);
        expect(zk.zxid).toMatch(/^0x[0-9a-f]+$/);
        expect(zk.ports.filter((p) => p.expected).every((p) => p.listening)).toBe(true);
        if (h === leader) expect(zk.syncedFollowers).toBe(2);
        const k = svc(r, h, 'kafka');
        expect(k).toMatchObject({ state: 'running', registered: true, version: versions.kafka3 });
      }
      expect(r.kafka).toMatchObject({ mode: 'zookeeper', reachable: true, brokers: { expected: [1, 2, 3], registered: [1, 2, 3] }, quorum: null });
      expect(r.kafka!.activeController).toBeGreaterThan(0);
      expect(r.kafka!.partitions).toMatchObject({ underReplicated: 0, offline: 0, underMinIsr: 0 });
      expect(r.hosts.every((h) => h.ssh.reachable)).toBe(true);
      expect(s.report.verdict).toBe('HEALTHY');

      const t = await table(inv);
      expect(t.code).toBe(0);
      expect(t.text.split('\n')[0]).toMatch(/^e2e: HEALTHY/);
      expect(t.text).toContain('ZooKeeper  3 of 3 serving');
      log(`table:\n${t.text}`);
    }, T(120_000));

    // The stale-config check (deploy's config-current steps) on a real host over zkk's SSH:
    // fake services started right after their config write, the same second or not.
    it('a process started within the same second as its config write is current; a later write is not', async () => {
      const host = (await loadInventory(inv, inventorySections)).hosts.find((h) => h.name === 'zk1')!;
      const conn = await connectHost(host);
      const dir = '/tmp/zkk-e2e-process-start';
      const n = 20;
      try {
        await conn.exec(
          script(`rm -rf ${dir} && mkdir -p ${dir} && for i in $(seq 1 ${n}); do echo "n=$i" > ${dir}/c$i; sh -c 'echo $$ > "$1"; exec sleep 600' sh ${dir}/p$i </dev/null >/dev/null 2>&1 & done; sleep 1`, 'start fake services'),
        );
        const probes = Array.from({ length: n }, (_, i) => ({ proc: processProbe(`${dir}/p${i + 1}`, 'sleep 600'), conf: pathProbe(`${dir}/c${i + 1}`) }));
        const facts = await gatherFacts(conn, probes.flatMap((p) => [p.proc, p.conf]));
        let sameSecond = 0;
        let oldRuleRestarts = 0;
        for (const p of probes) {
          const proc = facts.get(p.proc);
          const conf = facts.get(p.conf);
          if (conf.kind !== 'file') throw new Error(`${p.conf.key}: ${conf.kind}`);
          expect(proc).toMatchObject({ running: true });
          expect(proc.pidFileMtime).toBeDefined();
          if (Math.floor(conf.mtime) === Math.floor(proc.pidFileMtime!)) sameSecond++;
          if (Math.floor(conf.mtime) > proc.startedAt!) oldRuleRestarts++;
          expect(writtenAfterStart(proc, conf.mtime)).toBe(false);
        }
        log(`fake services: ${sameSecond}/${n} started in the same second as their config write; the whole-second check would have restarted ${oldRuleRestarts}`);
        expect(sameSecond).toBeGreaterThan(0);
        await conn.exec(script(`echo changed > ${dir}/c1`, 'change a config'));
        const after = await gatherFacts(conn, [probes[0]!.proc, probes[0]!.conf]);
        const conf = after.get(probes[0]!.conf);
        expect(conf.kind === 'file' && writtenAfterStart(after.get(probes[0]!.proc), conf.mtime)).toBe(true);
      } finally {
        await conn.exec(script(`for f in ${dir}/p*; do kill "$(cat "$f")"; done; rm -rf ${dir}`, 'stop fake services'), { check: false });
        await conn.close();
      }
    }, T(60_000));

    it('--watch: one JSON document per collection, connections kept', async () => {
      const child = spawn(process.execPath, [ZKK, 'status', inv, '--watch', '1', '--json'], { env: { ...process.env, CI: '1' } });
      const lines: string[] = [];
      let buf = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${lines.length} watch frames in ${T(20_000) / 1000} s`)), T(20_000));
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            lines.push(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
          if (lines.length >= 3) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGINT');
      const reports = lines.map((l) => JSON.parse(l) as StatusReport);
      for (const r of reports) expect(validator.safeParse(r).success).toBe(true);
      expect(reports.map((r) => r.verdict)).toEqual(['HEALTHY', 'HEALTHY', 'HEALTHY']);
      log(`watch collections: ${reports.map((r) => `${r.durationMs} ms`).join(', ')} (first connects, later ones reuse SSH)`);
    }, T(60_000));

    it('the ZooKeeper leader cut → a new leader, that host down with its cause, DEGRADED; then healed', async () => {
      const before = (await status(inv)).report;
      const old = before.zookeeper!.leader!;
      await cut(old);
      try {
        const first = await status(inv);
        log(`status with ${old} cut: ${first.ms} ms wall, verdict ${first.report.verdict}`);
        expect(first.ms).toBeLessThan(T(15_000)); // connect timeout 5 s + one round trip elsewhere
        expect(hostOf(first.report, old).ssh).toMatchObject({ reachable: false, error: { code: 'UNREACHABLE' } });
        if (TARGET === 'lab') {
          // its followers still follow it for syncLimit × tickTime (10 s): quorum, leader not visible
          expect(first.report.verdict).toBe('DEGRADED');
          expect(first.report.zookeeper).toMatchObject({ hasQuorum: true, leader: null });
        } else {
          // slow VMs: the first report may land while the followers are already re-electing
          expect(['DEGRADED', 'DOWN']).toContain(first.report.verdict);
        }

        const s = await waitForStatus(inv, 'a new ZooKeeper leader and DEGRADED', (r) => !!r.zookeeper?.leader && r.zookeeper.leader !== old && r.verdict === 'DEGRADED', T(120_000));
        const r = s.report;
        expect(s.code).toBe(1);
        expect(r.zookeeper).toMatchObject({ hasQuorum: true, serving: 2 });
        expect(hostOf(r, old).ssh.error!.message).toMatch(new RegExp(`cannot connect to ${info.user}@${re(info.hosts.find((h) => h.name === old)!.address)}:22: (no SSH handshake within 5s|host unreachable|connection timed out)`));
        expect(svc(r, old, 'zookeeper')).toMatchObject({ state: 'unknown', mode: 'unknown' });
        expect(r.reasons).toContainEqual(expect.objectContaining({ severity: 'degraded', host: old, message: expect.stringMatching(/^unreachable: /) }));
        const t = await table(inv);
        expect(t.code).toBe(1);
        expect(t.text).toMatch(new RegExp(`${old} +✗ (no SSH handshake within 5s|host unreachable|connection timed out)`));
        expect(t.text).toContain(`leader ${r.zookeeper!.leader}`);
        log(`table while cut:\n${t.text}`);
      } finally {
        await heal(old);
      }
      const healed = await waitForStatus(inv, 'HEALTHY after heal', (r) => r.verdict === 'HEALTHY', T(240_000));
      expect(healed.code).toBe(0);
    }, T(480_000));

    it('a broker stopped with a replicated topic → under-replicated partitions, DEGRADED', async () => {
      const bootstrap = hosts.map((h) => `${info.hosts.find((x) => x.name === h)!.address}:9092`);
      const admin = (await kafkaClient(bootstrap, 'status-e2e')).admin();
      await admin.connect();
      try {
        // kafkajs waits 5 s by default; 6 × RF 3 on the ZooKeeper controller of TCG VMs can take longer
        await admin.createTopics({ topics: [{ topic: 'status-e2e', numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true, timeout: T(15_000) });
      } finally {
        await admin.disconnect();
      }
      await waitForStatus(inv, 'HEALTHY with the new topic', (r) => r.verdict === 'HEALTHY', T(60_000));
      const stop = await hostSsh('zk3', serviceCommand('kafka', 'stop'));
      expect(stop.code).toBe(0);
      try {
        // URP shows during the controlled shutdown; the surviving brokers' metadata drops broker 3
        // a moment later (seconds on TCG VMs): wait for both
        const s = await waitForStatus(
          inv,
          'URP > 0 and broker 3 stopped and unregistered',
          (r) => (r.kafka?.partitions?.underReplicated ?? 0) > 0 && (r.kafka?.brokers.registered ?? []).length === 2 && svc(r, 'zk3', 'kafka').state === 'stopped',
          T(90_000),
        );
        const r = s.report;
        log(`broker 3 stopped: ${r.kafka!.partitions!.underReplicated} under-replicated of ${r.kafka!.partitions!.total}`);
        expect(r.verdict).toBe('DEGRADED');
        expect(s.code).toBe(1);
        expect(r.kafka!.partitions).toMatchObject({ offline: 0, underMinIsr: 0 });
        expect(svc(r, 'zk3', 'kafka')).toMatchObject({ state: 'stopped', pid: null, registered: false });
        expect(r.kafka!.brokers.registered).toEqual([1, 2]);
        expect(r.reasons.map((x) => `${x.host ?? '-'} ${x.message}`)).toEqual(expect.arrayContaining(['zk3 Kafka broker 3 not running', expect.stringMatching(/^- \d+ under-replicated partition\(s\)$/)]));
      } finally {
        await hostSsh('zk3', serviceCommand('kafka', 'start'));
      }
      await waitForStatus(inv, 'HEALTHY after the broker restart', (r) => r.verdict === 'HEALTHY', T(240_000));
    }, T(480_000));

    it('two of three ZooKeeper servers stopped → DOWN, exit 5', async () => {
      const before = (await status(inv)).report;
      const leader = before.zookeeper!.leader!;
      const stopped = [leader, hosts.find((h) => h !== leader)!];
      const survivor = hosts.find((h) => !stopped.includes(h))!;
      for (const h of stopped) expect((await hostSsh(h, serviceCommand('zookeeper', 'stop'))).code).toBe(0);
      const s = await waitForStatus(inv, 'DOWN', (r) => r.verdict === 'DOWN', T(60_000));
      const r = s.report;
      expect(s.code).toBe(5);
      // the survivor may still call itself leader (of nobody) until syncLimit runs out
      expect(r.zookeeper).toMatchObject({ hasQuorum: false });
      expect(r.reasons[0]).toMatchObject({ severity: 'down', scope: 'zookeeper', message: expect.stringMatching(/^ZooKeeper has no quorum: [01] of 3 serving, 2 needed$/) });
      for (const h of stopped) expect(svc(r, h, 'zookeeper')).toMatchObject({ state: 'stopped', mode: 'down' });
      const last = svc(r, survivor, 'zookeeper') as { mode: string; syncedFollowers: number | null };
      if (last.mode === 'leader') expect(last.syncedFollowers).toBe(0);
      else expect(['not-serving', 'down']).toContain(last.mode);
      const t = await table(inv);
      expect(t.code).toBe(5);
      expect(t.text.split('\n')[0]).toMatch(/^e2e: DOWN/);
      expect(t.text).toContain('NO QUORUM');
      log(`table with two ZooKeeper servers stopped:\n${t.text}`);
    }, T(120_000));
  });

  describe('KRaft (3 combined nodes, Kafka 4)', () => {
    let inv: string;

    beforeAll(async () => {
      await hostsDown();
      info = await hostsUp(['zk1', 'zk2', 'zk3']);
      inv = writeLabInventory(
        info,
        ['zk1', 'zk2', 'zk3'].map((name) => ({ name, roles: ['kafka'] })),
        { kafka: { version: versions.kafka4, heapMb: 256, release: { mirror: MIRROR } } },
      );
      await deploy(inv);
    }, T(900_000));

    it('healthy → HEALTHY, the quorum leader and every voter with its lag', async () => {
      await waitForStatus(inv, 'HEALTHY', (r) => r.verdict === 'HEALTHY', T(90_000));
      const s = await status(inv);
      log(`healthy KRaft status: ${s.ms} ms wall (CLI), ${s.report.durationMs} ms collecting`);
      const r = s.report;
      expect(s.code).toBe(0);
      expect(r.zookeeper).toBeNull();
      expect(r.kafka).toMatchObject({ mode: 'kraft', reachable: true, brokers: { expected: [1, 2, 3], registered: [1, 2, 3] } });
      const q = r.kafka!.quorum!;
      expect(q).toMatchObject({ source: 'describe-quorum', error: null });
      expect([1, 2, 3]).toContain(q.leaderId);
      expect(r.kafka!.activeController).toBe(q.leaderId);
      expect(q.voters.map((v) => v.nodeId).sort()).toEqual([1, 2, 3]);
      for (const v of q.voters) {
        expect(v.lag).not.toBeNull();
        expect(v.lagMs).not.toBeNull();
        expect(v.host).toBe(`zk${v.nodeId}`);
      }
      for (const h of ['zk1', 'zk2', 'zk3']) {
        const k = svc(r, h, 'kafka');
        if (k.service !== 'kafka') throw new Error('unreachable');
        expect(k).toMatchObject({ state: 'running', registered: true, version: versions.kafka4, processRoles: ['broker', 'controller'] });
        expect(k.ports.map((p) => [p.name, p.listening])).toEqual([['broker', true], ['controller', true]]);
        expect(k.quorum!.role).toBe(k.nodeId === q.leaderId ? 'leader' : 'voter');
      }
      const t = await table(inv);
      expect(t.code).toBe(0);
      expect(t.text).toContain('KRaft quorum');
      log(`KRaft table:\n${t.text}`);
    }, T(180_000));
  });
});
