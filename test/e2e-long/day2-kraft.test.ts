/**
 * Issue 20 on KRaft (3 combined nodes, Kafka 4): with a node stopped the gate refuses,
 * `--force` rolls the others with a warning; a whole stop (--yes) takes the quorum leader last
 * and `zkk start` brings all three back, verified. (The roll under a producer, 0 lost, is the
 * same Kafka handler: test/e2e-long/day2-roll.test.ts, ZooKeeper mode.)
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostSsh, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from '../e2e/helpers.js';

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
  // with verify: its canary topic (RF 3) is the replicated data the restart gates protect; a cluster
  // without any topic has nothing under-replicated, and a stopped broker would not stop a roll
  const r = await runZkk(['deploy', inv, '--json']);
  expect(r.code, whyFailed(r)).toBe(0);
}, T(1_500_000)); // includes waiting for the shared lab

afterAll(async () => {
  await hostsDown();
  console.log(`day2-kraft.test.ts: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, T(120_000));

describe('zkk restart / stop / start on KRaft', () => {
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
});
