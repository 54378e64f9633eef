/**
 * The cluster of the day-2 tests (test/e2e/day2.test.ts, test/e2e-long/day2-roll.test.ts):
 * ZooKeeper mode co-located on zk1..zk3 (the seeds' layout), deployed in beforeAll, torn down
 * in afterAll with the file's duration printed; pids() reads the live service processes.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { hostsDown, hostSsh, hostsUp, T, type TargetInfo } from './target.js';
import { fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from './helpers.js';

export const HOSTS = ['zk1', 'zk2', 'zk3'];
const PID_FILES = { zookeeper: '/var/lib/zookeeper/zookeeper_server.pid', kafka: '/var/log/kafka/kafka.pid' };

export interface Day2Cluster {
  info: TargetInfo;
  inv: string;
}

/** Registers the file's beforeAll (lab up, deploy) and afterAll (down, duration); the fields are set once beforeAll ran. */
export function day2Cluster(label: string): Day2Cluster {
  const c = {} as Day2Cluster;
  let t0 = 0;
  beforeAll(async () => {
    t0 = Date.now();
    await hostsDown();
    c.info = await hostsUp(HOSTS);
    const versions = fixtureVersions();
    c.inv = writeLabInventory(
      c.info,
      HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })),
      {
        zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } },
        kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR } },
      },
      mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-day2-')),
    );
    // with verify: its canary topic (RF 3) is the replicated data the restart gates protect; a cluster
    // without any topic has nothing under-replicated, and a stopped broker would not stop a roll
    const r = await runZkk(['deploy', c.inv, '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
  }, T(1_500_000)); // includes waiting for the shared lab
  afterAll(async () => {
    await hostsDown();
    console.log(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, T(120_000));
  return c;
}

/** Each host's live process of the service, or "none" (a pid file left by a dead process does not count). */
export async function pids(role: keyof typeof PID_FILES): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const h of HOSTS) out[h] = (await hostSsh(h, `p=$(cat ${PID_FILES[role]} 2>/dev/null) && [ -d /proc/$p ] && echo $p || echo none`)).stdout.trim();
  return out;
}

export const addresses = (c: Day2Cluster): string[] => c.info.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => h.address);
