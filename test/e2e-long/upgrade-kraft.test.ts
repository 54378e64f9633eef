/**
 * Issue 13, KRaft on 3 combined nodes: 4.3.1 → 4.4.0. An upgrade while a broker is down is
 * refused before anything changes; plan lists the unpack, one gated restart per node (the active
 * controller last) and the pending finalize; the roll under an acks=all producer (0 lost) leaves
 * metadata.version where it was; back to 4.3.1 before finalize, 4.4.0 again; finalize refuses
 * without --yes, then raises metadata.version feature by feature (kafka-features.sh describe
 * shows it); a downgrade is refused after; then 0 changed. After each roll every host's install
 * link and the release its running JVM was started from (kafka-clients-<v>.jar) are checked.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostSsh, hostsDown, hostsUp, re, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startProducer } from '../e2e/traffic.js';
import { allOn, finalizedFeature, kafkaJvmAges, kafkaReleases, majorMinor, timedDeploy } from './upgrade-probes.js';

const v = fixtureVersions();
/** from when the lab is ours (waiting for the lab lease is not this file's time) */
let t0 = Date.now();
const HOSTS = ['zk1', 'zk2', 'zk3'];

afterAll(async () => {
  await hostsDown();
  console.log(`upgrade-kraft.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(120_000));

describe(`KRaft ${v.kafka4prev} → ${v.kafka4}, combined nodes`, () => {
  let info: TargetInfo;
  let dir: string;
  const host = (name: string) => info.hosts.find((h) => h.name === name)!;
  const inventory = (kafka: string) => writeLabInventory(info, HOSTS.map((name) => ({ name, roles: ['kafka'] })), { kafka: { version: kafka, heapMb: 256, release: { mirror: MIRROR } } }, dir);

  it('refused while a broker is down; plan shows the steps; binary roll under a producer leaves metadata.version; rollback; again; finalize raises it', async () => {
    await hostsDown();
    info = await hostsUp(HOSTS);
    t0 = Date.now();
    dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-upgrade-k4-'));
    // one inventory file (dir/inventory.yml): written again with the version each command needs
    const old = () => inventory(v.kafka4prev);
    const first = await runZkk(['deploy', old(), '--json']);
    expect(first.code, whyFailed(first)).toBe(0);
    const mvBefore = await finalizedFeature(host('zk1'));
    expect(mvBefore).toMatch(/^\d+\.\d+-IV\d+$/);

    const brokers = info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `${h.address}:9092`);
    const inv = () => inventory(v.kafka4);
    // one producer through every change below: the stop and start, three rolls, the finalize
    const producer = await startProducer(brokers, 'e2e-upgrade-k4');

    // an upgrade while the cluster is not healthy is refused before anything changes
    const sickStarted = Date.now();
    const stop = await runZkk(['stop', old(), '--limit', 'zk3']);
    expect(stop.code, stop.stderr + stop.stdout).toBe(0);
    const sick = await runZkk(['plan', inv()]);
    expect(sick.code, sick.stderr + sick.stdout).toBe(1);
    expect(sick.stderr + sick.stdout).toMatch(new RegExp(`refusing to upgrade Kafka ${re(v.kafka4prev)} → ${re(v.kafka4)} while the cluster is not healthy: broker\\(s\\) \\d \\(zk3\\) not serving`));
    const sickDeploy = await runZkk(['deploy', inv(), '--json']);
    expect(sickDeploy.code).toBe(1);
    expect((await hostSsh('zk1', 'readlink /usr/local/kafka')).stdout.trim()).toBe(`/usr/local/kafka_2.13-${v.kafka4prev}`);
    const start = await runZkk(['start', old(), '--limit', 'zk3']);
    expect(start.code, start.stderr + start.stdout).toBe(0);
    console.log(`zk3 stopped, upgrade refused, zk3 started: ${((Date.now() - sickStarted) / 1000).toFixed(1)} s`);

    // plan: unpack, then per node a gated restart, the active controller last, then the pending finalize
    const plan = await runZkk(['plan', inv(), '--detailed-exitcode']);
    expect(plan.code, plan.stderr + plan.stdout).toBe(4);
    expect(plan.stdout).toContain(`kafka_2.13-${v.kafka4}.tgz`);
    expect(plan.stdout).toContain(`keep /usr/local/kafka_2.13-${v.kafka4prev} for a rollback`);
    const cluster = plan.stdout.slice(plan.stdout.indexOf('then, cluster-wide (kafka), in this order:'));
    const gates = cluster.split('\n').filter((l) => /^ {2}\d+\. gate: /.test(l));
    expect(gates, plan.stdout).toHaveLength(3);
    const lastHost = /restart (zk\d) \(node \d+, broker\+controller, the active controller, last\)/.exec(gates[2]!)?.[1];
    expect(lastHost, gates.join('\n')).toBeDefined();
    expect(cluster).toMatch(new RegExp(`gate: [^\\n]*\\n {2}\\d+\\. pending, not run by deploy: zkk upgrade finalize raises metadata\\.version [^\\n]* from ${re(majorMinor(v.kafka4prev))} to ${re(majorMinor(v.kafka4))}`));

    expect(await kafkaReleases(HOSTS)).toEqual(allOn(HOSTS, v.kafka4prev));
    let acked = producer.ackedCount;
    const r = await timedDeploy(inv(), `KRaft ${v.kafka4prev} → ${v.kafka4} roll of 3 nodes`);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(await kafkaReleases(HOSTS)).toEqual(allOn(HOSTS, v.kafka4));
    // the producer was acknowledged during the roll, not only before and after it
    expect(producer.ackedCount).toBeGreaterThan(acked + 10);
    // every node restarted onto the new release, the active controller (last in the plan) last: its JVM is the youngest
    const ages = await kafkaJvmAges(HOSTS);
    const youngest = Math.min(...HOSTS.map((h) => ages[h]!));
    expect(HOSTS.filter((h) => ages[h] === youngest), JSON.stringify(ages)).toEqual([lastHost]);
    for (const h of HOSTS) expect(ages[h]!, JSON.stringify(ages)).toBeLessThan(r.seconds + 5);
    expect(JSON.stringify(r.report!.hosts.flatMap((h) => h.steps.filter((s) => s.id === 'kafka.finalized')))).toContain('finalize pending');
    expect(await finalizedFeature(host('zk1'))).toBe(mvBefore);

    // before finalize: back to the old release, then forward again
    acked = producer.ackedCount;
    const back = await timedDeploy(old(), `KRaft rollback to ${v.kafka4prev}`);
    expect(back.code, whyFailed(back)).toBe(0);
    // the rollback switched the running binaries back on every host, under the producer
    expect(await kafkaReleases(HOSTS)).toEqual(allOn(HOSTS, v.kafka4prev));
    const backAges = await kafkaJvmAges(HOSTS);
    for (const h of HOSTS) expect(backAges[h]!, JSON.stringify(backAges)).toBeLessThan(back.seconds + 5);
    expect(producer.ackedCount).toBeGreaterThan(acked + 10);
    // finalize while the binaries are behind the inventory's version: refused (exit 2), nothing raised
    const early = await runZkk(['upgrade', 'finalize', inv(), '--yes']);
    expect(early.code, early.stderr + early.stdout).toBe(2);
    expect(early.stderr + early.stdout).toMatch(/the binaries have not rolled to the inventory's versions yet[\s\S]*run zkk deploy first/);
    acked = producer.ackedCount;
    const fwd = await timedDeploy(inv(), `KRaft ${v.kafka4prev} → ${v.kafka4} again`);
    expect(fwd.code, whyFailed(fwd)).toBe(0);
    expect(await kafkaReleases(HOSTS)).toEqual(allOn(HOSTS, v.kafka4));
    expect(producer.ackedCount).toBeGreaterThan(acked + 10);
    // through the rollback, the refused finalize and the second roll metadata.version never moved (it only rises)
    expect(await finalizedFeature(host('zk1'))).toBe(mvBefore);

    // finalize without --yes and without a terminal: refused, nothing raised
    const noYes = await runZkk(['upgrade', 'finalize', inv()]);
    expect(noYes.code).toBe(2);
    expect(noYes.stdout).toContain('This cannot be undone');
    expect(noYes.stderr).toContain('finalize needs a confirmation: run it on a terminal, or pass --yes');
    const started = Date.now();
    const fin = await runZkk(['upgrade', 'finalize', inv(), '--yes']);
    console.log(`zkk upgrade finalize: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(fin.code, fin.stderr + fin.stdout).toBe(0);
    // raised from where it was (so the finalize without --yes raised nothing)
    expect(fin.stdout).toMatch(new RegExp(`metadata\\.version ${re(mvBefore)} → \\d+ \\(${re(majorMinor(v.kafka4))}\\)`));
    expect(fin.stdout).not.toMatch(/--release-version/);
    const proof = await producer.stopAndConsume();
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
    const mvAfter = await finalizedFeature(host('zk1'));
    expect(mvAfter).not.toBe(mvBefore);
    expect(mvAfter.startsWith(majorMinor(v.kafka4))).toBe(true);

    // after finalize: a downgrade is refused with the reason, exit 1 (the host's step is blocked)
    const down = await runZkk(['plan', old()]);
    expect(down.code).toBe(1);
    expect(down.stdout + down.stderr).toMatch(new RegExp(`Kafka ${re(v.kafka4prev)} is older than the level this cluster is finalized at \\(${re(majorMinor(v.kafka4))}: metadata\\.version[^)]*\\); a finalized upgrade cannot be downgraded`));
    const again = await runZkk(['deploy', inv(), '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(1_200_000));
});
