/**
 * Offline installs: `zkk bundle` gathers, on a control node with network, everything a deploy of
 * the inventory needs from outside (ZooKeeper and Kafka releases, the metrics agent), verified,
 * with a manifest. Then zkk runs in a network namespace whose only link is the lab bridge (no
 * route anywhere else, checked first): the same inventory, whose releases would come from the
 * Apache archive and Maven Central, fails there without the bundle (cannot download) and deploys,
 * verifies and re-deploys with 0 changes with `--bundle DIR`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostsUp, TARGET, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory, ZKK, type ZkkResult } from '../e2e/helpers.js';
import type { RunReport } from '../../src/engine/run.js';

const versions = fixtureVersions();
const HOSTS = ['zk1', 'zk2', 'zk3'];
const NS = 'zkk-offline';
const ADDRESS = '10.213.0.250/24';

function run(cmd: string, args: string[], timeoutMs = 600_000): Promise<ZkkResult> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, CI: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      let report: RunReport | undefined;
      try {
        report = args.includes('--json') ? (JSON.parse(stdout) as RunReport) : undefined;
      } catch {
        /* not JSON */
      }
      resolve({ code, stdout, stderr, report });
    }),
  );
}
const sh = (script: string) => run('sh', ['-c', script], 30_000);
/** zkk inside the namespace: it reaches the lab hosts and nothing else. */
const offlineZkk = (args: string[]) => run('ip', ['netns', 'exec', NS, process.execPath, ZKK, ...args]);

describe.skipIf(TARGET !== 'lab')('offline: zkk bundle, then deploy --bundle from a control node without a route out', () => {
  let info: TargetInfo;
  let t0 = 0;

  beforeAll(async () => {
    await hostsDown();
    info = await hostsUp(HOSTS);
    t0 = Date.now();
    await sh(`ip netns del ${NS} 2>/dev/null; ip link del zkkoff0 2>/dev/null; true`);
    const up = await sh(
      [
        'set -e',
        `ip netns add ${NS}`,
        'ip link add zkkoff0 type veth peer name zkkoff1',
        `ip link set zkkoff1 netns ${NS}`,
        'ip link set zkkoff0 master zkklab0 up',
        `ip -n ${NS} addr add ${ADDRESS} dev zkkoff1`,
        `ip -n ${NS} link set zkkoff1 up`,
        `ip -n ${NS} link set lo up`,
      ].join('\n'),
    );
    expect(up.code, up.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await sh(`ip netns del ${NS} 2>/dev/null; ip link del zkkoff0 2>/dev/null; true`);
    await hostsDown();
    console.log(`offline bundle e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 120_000);

  it('bundle → without it the deploy cannot download; with --bundle it deploys, verifies, and again 0 changed', async () => {
    // the namespace has a route to the lab bridge only
    const routes = await run('ip', ['-n', NS, 'route', 'show']);
    expect(routes.stdout.trim()).toBe('10.213.0.0/24 dev zkkoff1 proto kernel scope link src 10.213.0.250');
    const out = await run('ip', ['netns', 'exec', NS, process.execPath, '-e', "fetch('https://repo1.maven.org/maven2/').then(() => console.log('reached'), (e) => console.log(e.cause?.code ?? e.message))"]);
    expect(out.stdout.trim()).toMatch(/^(ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/);

    const spec = (mirror: boolean) => ({
      metrics: { enabled: true },
      zookeeper: { version: versions.zookeeper39, heapMb: 128, ...(mirror ? { release: { mirror: MIRROR } } : {}) },
      kafka: { mode: 'zookeeper', version: versions.kafka3, heapMb: 256, ...(mirror ? { release: { mirror: MIRROR }, metricsAgent: { mirror: MIRROR } } : {}) },
    });
    const hosts = HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] }));
    // made where there is network (here: the fixtures mirror stands in for the Apache archive and Maven Central)
    const bundle = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkk-bundle-')), 'bundle');
    const b0 = Date.now();
    const made = await runZkk(['bundle', writeLabInventory(info, hosts, spec(true)), bundle]);
    console.log(`zkk bundle: ${Date.now() - b0} ms`);
    expect(made.code, made.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(bundle, 'zkk-bundle.json'), 'utf8')) as { files: { component: string; path: string }[] };
    expect(manifest.files.map((f) => f.component).sort()).toEqual(['jmx-exporter', 'kafka', 'zookeeper']);

    // the deploy's inventory names the public sources; offline they cannot be reached
    const inv = writeLabInventory(info, hosts, spec(false));
    const cache = mkdtempSync(path.join(os.tmpdir(), 'zkk-empty-cache-'));
    const plain = await offlineZkk(['plan', inv, '--json', '--cache-dir', cache]);
    expect(plain.code).not.toBe(0);
    expect(plain.stdout + plain.stderr).toMatch(/cannot download https:\/\/archive\.apache\.org\/dist\//);

    const d0 = Date.now();
    const dep = await offlineZkk(['deploy', inv, '--json', '--bundle', bundle, '--cache-dir', cache]);
    console.log(`offline deploy --bundle: ${Date.now() - d0} ms`);
    expect(dep.code, whyFailed(dep)).toBe(0);
    expect(dep.report!.verify.filter((c) => !c.ok)).toEqual([]);
    expect(dep.report!.verify.map((c) => c.name)).toEqual(expect.arrayContaining(['zookeeper.znode-read', 'kafka.canary']));
    for (const h of dep.report!.hosts) expect(h.steps.find((s) => s.id === 'kafka.metrics-agent')!.status).toBe('changed');

    const again = await offlineZkk(['deploy', inv, '--json', '--bundle', bundle, '--cache-dir', cache]);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, 420_000);
});
