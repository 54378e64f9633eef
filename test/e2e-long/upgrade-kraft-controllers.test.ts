/**
 * Issue 13, KRaft with dedicated controllers: 3 kafka-controller hosts + 3 brokers,
 * 4.3.1 → 4.4.0 in one deploy under an acks=all producer (0 lost). The plan lists the brokers'
 * restarts first, then the standby controllers, the active controller last, then the pending
 * finalize; the roll does so (JVM ages); metadata.version is left where it was until
 * `zkk upgrade finalize --yes`, after which kafka-features.sh describe shows the new one; then
 * 0 changed. Refused with the reason: finalize before the binaries rolled (exit 2), the old
 * version after finalize (plan, exit 1). Every host's install link and running JVM release are
 * checked after the roll. (The rollback before finalize: upgrade-kraft.test.ts, combined nodes.)
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostsUp, re, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';
import { startProducer } from '../e2e/traffic.js';
import { allOn, finalizedFeature, finalizedFeatures, kafkaJvmAges, kafkaReleases, majorMinor } from './upgrade-probes.js';

const v = fixtureVersions();
const CONTROLLERS = ['c1', 'c2', 'c3'];
const BROKERS = ['b1', 'b2', 'b3'];
const HOSTS = [...CONTROLLERS, ...BROKERS];
let info: TargetInfo;
let dir: string;
const host = (name: string) => info.hosts.find((h) => h.name === name)!;
/** from when the lab is ours (waiting for the lab lease is not this file's time) */
let t0 = Date.now();

const inventory = (kafka: string) =>
  writeLabInventory(info, HOSTS.map((name) => ({ name, roles: [CONTROLLERS.includes(name) ? 'kafka-controller' : 'kafka'] })), { kafka: { version: kafka, heapMb: 256, release: { mirror: MIRROR } } }, dir);

beforeAll(async () => {
  await hostsDown();
  info = await hostsUp(HOSTS);
  t0 = Date.now();
  dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-upgrade-kc-'));
}, T(1_800_000));

afterAll(async () => {
  await hostsDown();
  console.log(`upgrade-kraft-controllers.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(120_000));

describe(`KRaft ${v.kafka4prev} → ${v.kafka4}, 3 dedicated controllers + 3 brokers`, () => {
  it('plan and roll: brokers, then standby controllers, the active controller last; finalize raises metadata.version', async () => {
    const first = await runZkk(['deploy', inventory(v.kafka4prev), '--json']);
    expect(first.code, whyFailed(first)).toBe(0);
    const mvBefore = await finalizedFeature(host('b1'));
    expect(mvBefore).toMatch(new RegExp(`^${re(majorMinor(v.kafka4prev))}-IV\\d+$`));

    const inv = inventory(v.kafka4);
    const producer = await startProducer(info.hosts.filter((h) => BROKERS.includes(h.name)).map((h) => `${h.address}:9092`), 'e2e-upgrade-kc');

    const plan = await runZkk(['plan', inv, '--detailed-exitcode']);
    expect(plan.code, plan.stderr + plan.stdout).toBe(4);
    expect(plan.stdout).toContain(`kafka_2.13-${v.kafka4}.tgz`);
    const cluster = plan.stdout.slice(plan.stdout.indexOf('then, cluster-wide (kafka), in this order:'));
    const gates = cluster.split('\n').filter((l) => /^ {2}\d+\. gate: /.test(l));
    expect(gates, plan.stdout).toHaveLength(6);
    const order = gates.map((g) => /restart (\w+) \(node \d+, (\w+)/.exec(g)!.slice(1, 3).join(' '));
    expect(order.slice(0, 3).sort()).toEqual(BROKERS.map((b) => `${b} broker`));
    expect(order.slice(3).every((o) => / controller$/.test(o)), order.join(', ')).toBe(true);
    const active = /restart (c\d) \(node \d+, controller, the active controller, last\)/.exec(gates[5]!)?.[1];
    expect(active, gates.join('\n')).toBeDefined();
    expect(cluster).toMatch(new RegExp(`\\n {2}\\d+\\. pending, not run by deploy: zkk upgrade finalize raises metadata\\.version [^\\n]* from ${re(majorMinor(v.kafka4prev))} to ${re(majorMinor(v.kafka4))}`));

    // finalize before the binaries rolled: refused (exit 2), nothing raised
    const early = await runZkk(['upgrade', 'finalize', inv, '--yes']);
    expect(early.code, early.stderr + early.stdout).toBe(2);
    expect(early.stderr + early.stdout).toMatch(/the binaries have not rolled to the inventory's versions yet[\s\S]*run zkk deploy first/);

    expect(await kafkaReleases(HOSTS)).toEqual(allOn(HOSTS, v.kafka4prev));
    const acked = producer.ackedCount;
    const started = Date.now();
    const r = await runZkk(['deploy', inv, '--json']);
    const rollS = (Date.now() - started) / 1000;
    console.log(`KRaft ${v.kafka4prev} → ${v.kafka4} roll of 3 controllers + 3 brokers: ${rollS.toFixed(1)} s`);
    expect(r.code, whyFailed(r)).toBe(0);
    for (const h of HOSTS) expect(changedSteps(r.report!)).toContainEqual({ host: h, id: 'kafka.install-link' });
    // the roll's order, from the JVMs' ages: every controller younger than every broker, the active controller youngest
    const ages = await kafkaJvmAges(HOSTS);
    for (const h of HOSTS) expect(ages[h]!, JSON.stringify(ages)).toBeLessThan(rollS + 5);
    expect(Math.max(...CONTROLLERS.map((c) => ages[c]!)), JSON.stringify(ages)).toBeLessThan(Math.min(...BROKERS.map((b) => ages[b]!)));
    const youngest = Math.min(...HOSTS.map((h) => ages[h]!));
    expect(HOSTS.filter((h) => ages[h] === youngest), JSON.stringify(ages)).toEqual([active]);
    expect(await kafkaReleases(HOSTS)).toEqual(allOn(HOSTS, v.kafka4));
    expect(producer.ackedCount).toBeGreaterThan(acked + 10);
    expect(await finalizedFeature(host('b1'))).toBe(mvBefore);

    const fin = await runZkk(['upgrade', 'finalize', inv, '--yes']);
    expect(fin.code, fin.stderr + fin.stdout).toBe(0);
    expect(fin.stdout).toMatch(/metadata\.version .* → \d+ \(4\.\d+\)/);
    const proof = await producer.stopAndConsume();
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
    const [mvAfter, kraftVersion] = await finalizedFeatures(host('b1'), ['metadata.version', 'kraft.version']);
    expect(mvAfter).toMatch(new RegExp(`^${re(majorMinor(v.kafka4))}-IV\\d+$`));
    // the static quorum stays static: kraft.version is left at 0
    expect(kraftVersion).toBe('0');

    // after finalize: the old version is refused with the reason (the hosts' step blocked, exit 1)
    const down = await runZkk(['plan', inventory(v.kafka4prev)]);
    expect(down.code, down.stderr + down.stdout).toBe(1);
    expect(down.stdout + down.stderr).toMatch(new RegExp(`Kafka ${re(v.kafka4prev)} is older than the level this cluster is finalized at \\(${re(majorMinor(v.kafka4))}: metadata\\.version[^)]*\\); a finalized upgrade cannot be downgraded`));
    const again = await runZkk(['deploy', inventory(v.kafka4), '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(900_000));
});
