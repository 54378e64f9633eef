/**
 * Issue 20 on KRaft (3 combined nodes, Kafka 4): first, before any topic exists (the deploy runs
 * without verify, so the partition gate passes trivially), a controller stopped: restarting or
 * stopping another is refused by the controller-quorum gate and the quorum stays intact; `zkk
 * start` brings it back and its verify makes the canary topic (RF 3). Then with a node stopped the
 * partition gate refuses,
 * `--force` rolls the others with a warning; a whole stop (--yes) takes the quorum leader last
 * and `zkk start` brings all three back, verified; last, `zkk uninstall` (no purge) removes the
 * services and install dirs and keeps the data and a config backup. (The roll under a producer, 0 lost, is the
 * same Kafka handler: test/e2e-long/day2-roll.test.ts, ZooKeeper mode.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostSsh, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { Kafka, logLevel } from 'kafkajs';
import { startProducer } from '../e2e/traffic.js';
import { parse, stringify } from 'yaml';

const HOSTS = ['k1', 'k2', 'k3'];
const versions = fixtureVersions();
let info: TargetInfo;
let inv: string;
let t0 = 0;

async function pids(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of HOSTS) out[h] = (await hostSsh(h, 'p=$(cat /var/log/kafka/kafka.pid 2>/dev/null) && [ -d /proc/$p ] && echo $p || echo none')).stdout.trim();
  return out;
}

beforeAll(async () => {
  t0 = Date.now();
  await hostsDown();
  info = await hostsUp(HOSTS);
  inv = writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['kafka'] })), { kafka: { version: versions.kafka4, heapMb: 256, release: { mirror: MIRROR } } }, mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-day2-kraft-')));
  // without verify: no topic yet, so with a node stopped nothing is under-replicated and only the
  // controller-quorum gate stands in the way (first test); its `zkk start` verifies and creates the
  // canary topic (RF 3), the replicated data the partition gate protects in the tests after it
  const r = await runZkk(['deploy', inv, '--no-verify', '--json']);
  expect(r.code, whyFailed(r)).toBe(0);
}, T(1_500_000)); // includes waiting for the shared lab

afterAll(async () => {
  await hostsDown();
  console.log(`day2-kraft.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(120_000));

async function topics(): Promise<string[]> {
  const admin = new Kafka({ clientId: 'e2e-day2-kraft', brokers: info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `${h.address}:9092`), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

describe('zkk restart / stop / start on KRaft', () => {
  it('a controller stopped, no topic: restart or stop of another controller refused by the controller-quorum gate (exit 1), deploy defers, the quorum intact; start brings it back; healthy, a roll goes through', async () => {
    expect((await runZkk(['stop', inv, '--limit', 'k3'])).code).toBe(0);
    const before = await pids();
    expect(before.k3).toBe('none');
    // nothing for the partition gate to object to: the refusal below is the quorum gate's
    expect(await topics()).toEqual([]);
    const r = await runZkk(['restart', inv, '--role', 'kafka', '--limit', 'k1', '--json']);
    expect(r.code, whyFailed(r)).toBe(1);
    const why = r.report!.clusterErrors.join('\n');
    expect(why).toMatch(/restart of k1 refused: without controller (\d) the KRaft controller quorum \(voters \d, \d, \d, leader \d\) would keep 1 caught-up voter\(s\) \(\d\), fewer than the majority of 2: controller \d (last caught up with the leader [\d.]+ s ago|not caught up since the leader was elected)/);
    expect(why).not.toMatch(/under-replicated|offline partitions/);
    const s = await runZkk(['stop', inv, '--limit', 'k2', '--json']);
    expect(s.code, whyFailed(s)).toBe(1);
    expect(s.report!.clusterErrors.join('\n')).toMatch(/stop of k2 refused: without controller \d the KRaft controller quorum .* fewer than the majority of 2/);
    // deploy's roll, the same gate: a config change on k1 and k2 (k3 left stopped) is planned with the
    // gate named, and deploy defers its restart (exit 1): the new file in place, nothing restarted
    const doc = parse(readFileSync(inv, 'utf8')) as { kafka: Record<string, unknown> };
    doc.kafka.extraConfig = { 'log.cleaner.backoff.ms': 15001 };
    const changed = path.join(path.dirname(inv), 'inventory-changed.yml');
    writeFileSync(changed, stringify(doc));
    const plan = await runZkk(['plan', changed, '--limit', 'k1,k2']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/gate: 0 under-replicated and 0 offline partitions, the other caught-up controllers a majority of the quorum → restart k[12]/);
    const d = await runZkk(['deploy', changed, '--limit', 'k1,k2', '--json']);
    expect(d.code, whyFailed(d)).toBe(1);
    expect(d.report!.clusterErrors.join('\n')).toMatch(/restart of k[12], k[12] deferred: without controller \d the KRaft controller quorum .* fewer than the majority of 2: controller \d .*\. Deploy again once the cluster is healthy/);
    expect((await hostSsh('k1', 'grep -c "^log.cleaner.backoff.ms=15001" /etc/kafka/server.properties')).stdout.trim()).toBe('1');
    expect(await pids()).toEqual(before);
    // the quorum as Kafka's own tool sees it: a leader, and both running controllers caught up (within 5 s on the leader's clock)
    const k1 = info.hosts.find((h) => h.name === 'k1')!.address;
    const rep = (await hostSsh('k1', `/usr/local/kafka/bin/kafka-metadata-quorum.sh --bootstrap-server ${k1}:9092 describe --replication 2>/dev/null`)).stdout;
    // NodeId DirectoryId LogEndOffset Lag LastFetchTimestamp LastCaughtUpTimestamp Status
    const rows = rep.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 7 && /^(Leader|Follower)$/.test(f[6]!));
    const leader = rows.find((f) => f[6] === 'Leader');
    expect(leader, rep).toBeDefined();
    const caughtUp = rows.filter((f) => Number(leader![5]) - Number(f[5]) <= 5000);
    expect(caughtUp.length, rep).toBe(2);
    const st = await runZkk(['start', inv, '--json']);
    expect(st.code, whyFailed(st)).toBe(0);
    expect(st.report!.verify.every((c) => c.ok)).toBe(true);
    expect(await topics()).toContain('zkk-canary');
    // healthy again: the gate lets a roll of two controllers through, the second right after the first caught up
    // under an acks=all producer (RF 3, min ISR 2): every acknowledged message is consumed back
    const producer = await startProducer(info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `${h.address}:9092`), 'e2e-day2-kraft-roll');
    const pidsUp = await pids();
    const acked = producer.ackedCount;
    const roll = await runZkk(['restart', inv, '--role', 'kafka', '--limit', 'k1,k2', '--no-verify', '--json']);
    expect(roll.code, whyFailed(roll)).toBe(0);
    expect(producer.ackedCount).toBeGreaterThan(acked);
    const proof = await producer.stopAndConsume();
    console.log(`controller roll k1, k2: ${proof.acked.length} acknowledged, ${proof.lost.length} lost`);
    expect(proof.lost).toEqual([]);
    const pidsRolled = await pids();
    expect(pidsRolled.k1).not.toBe(pidsUp.k1);
    expect(pidsRolled.k2).not.toBe(pidsUp.k2);
    expect(pidsRolled.k3).toBe(pidsUp.k3);
  }, T(500_000));

  it('a node stopped: restart refuses (exit 1); --force rolls the others with a warning and starts the stopped one', async () => {
    expect((await runZkk(['stop', inv, '--limit', 'k3'])).code).toBe(0);
    const before = await pids();
    expect(before.k3).toBe('none');
    const r = await runZkk(['restart', inv, '--json']);
    expect(r.code).toBe(1);
    expect(r.report!.clusterErrors.join()).toMatch(/refused: \d+ under-replicated/);
    expect(await pids()).toEqual(before);
    const f = await runZkk(['restart', inv, '--force', '--json']);
    expect(f.code, whyFailed(f)).toBe(0);
    expect(f.report!.warnings!.join('\n')).toMatch(/--force: restart of .* although/);
    const after = await pids();
    for (const h of HOSTS) expect(after[h]).not.toBe(before[h]);
  }, T(600_000));

  it('stop --yes: the quorum leader last; start: all back, verified', async () => {
    const r = await runZkk(['stop', inv, '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const order = r.stdout.split('\n').filter((l) => /stopping Kafka node/.test(l));
    expect(order).toHaveLength(3);
    expect(order[2]).toMatch(/active controller, last/);
    expect(Object.values(await pids())).toEqual(['none', 'none', 'none']);
    const s = await runZkk(['start', inv, '--json']);
    expect(s.code, whyFailed(s)).toBe(0);
    expect(s.report!.verify.every((c) => c.ok)).toBe(true);
  }, T(400_000));

  it('uninstall (no purge) on KRaft: services, units and install dirs gone, the data (meta.properties with node.id and directory.id) and a config backup kept; zkk status says not installed', async () => {
    const r = await runZkk(['uninstall', inv, '--yes', '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    for (const h of r.report!.hosts)
      expect(h.steps.map((s) => `${s.id} ${s.status}`)).toEqual([
        'kafka.uninstall-stop changed', 'kafka.uninstall-service changed', 'kafka.uninstall-install changed', 'kafka.uninstall-firewall ok', 'kafka.uninstall-config changed', 'kafka.uninstall-data ok', 'kafka.uninstall-account ok',
      ]);
    expect(Object.values(await pids())).toEqual(['none', 'none', 'none']);
    for (const [i, h] of HOSTS.entries()) {
      const left = await hostSsh(h, 'ls -d /usr/local/kafka* /etc/init.d/kafka /etc/systemd/system/kafka.service /etc/kafka 2>/dev/null; ls -d /etc/kafka.zkk-backup-*; grep -c "^directory.id=" /var/lib/kafka/data/meta.properties; sed -n "s/^node.id=//p" /var/lib/kafka/data/meta.properties');
      expect(left.stdout.split('\n').filter(Boolean), left.stderr).toEqual([expect.stringMatching(/^\/etc\/kafka\.zkk-backup-\d{8}-\d{6}$/), '1', String(i + 1)]);
    }
    const st = await runZkk(['status', inv]);
    expect(st.stdout).toMatch(/not installed/);
    expect(st.stdout).not.toMatch(/running/);
    const again = await runZkk(['uninstall', inv, '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(180_000));
});
