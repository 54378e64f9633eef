/**
 * metrics.enabled on the lab, behind an active ufw (default deny incoming): ZooKeeper 3.9 with
 * its Prometheus metrics provider and Kafka 4 (KRaft, 3 combined nodes) with the Prometheus JMX
 * exporter agent (from the fixtures mirror, in Maven's layout, SHA-512 checked). Deploy opens the
 * metrics ports in ufw; the test scrapes every endpoint over HTTP itself and finds the named
 * metrics (ZooKeeper's znode count and latency; Kafka's under-replicated and offline partitions,
 * ISR shrinks, request latency quantiles, the active controller, the KRaft quorum's offsets and
 * lag); `zkk status` shows every endpoint answering, `zkk metrics targets` lists them as file_sd
 * targets; a second deploy changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostsDown, hostSsh, hostsUp, TARGET, type TargetInfo } from './target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory } from './helpers.js';
import type { StatusReport } from '../../src/engine/status-schema.js';

const versions = fixtureVersions();
const HOSTS = ['zk1', 'zk2', 'zk3'];

/** One GET by the test itself (not zkk's client): the Prometheus text exposition. */
async function scrape(address: string, port: number): Promise<string> {
  const res = await fetch(`http://${address}:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of the first sample of `name` whose labels include every one of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe.skipIf(TARGET !== 'lab')('metrics.enabled: Prometheus endpoints of ZooKeeper and Kafka, through an active firewall', () => {
  let info: TargetInfo;
  const t0 = Date.now();

  beforeAll(async () => {
    await hostsDown();
    info = await hostsUp(HOSTS);
    for (const h of HOSTS) {
      const r = await hostSsh(h, 'ufw default deny incoming >/dev/null && ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null && ufw status');
      expect(r.stdout, r.stderr).toMatch(/^Status: active/);
    }
  }, 300_000);

  afterAll(async () => {
    await hostsDown();
    console.log(`metrics e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 120_000);

  it('deploy with metrics on → every endpoint scraped holds the named metrics; status and targets; deploy again → 0 changed', async () => {
    const inv = writeLabInventory(
      info,
      HOSTS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })),
      {
        metrics: { enabled: true },
        zookeeper: { version: versions.zookeeper39, heapMb: 128, release: { mirror: MIRROR } },
        kafka: { mode: 'kraft', version: versions.kafka4, heapMb: 320, release: { mirror: MIRROR }, metricsAgent: { mirror: MIRROR } },
      },
    );
    const d0 = Date.now();
    const dep = await runZkk(['deploy', inv, '--json']);
    console.log(`deploy with metrics: ${Date.now() - d0} ms`);
    expect(dep.code, whyFailed(dep)).toBe(0);
    for (const h of dep.report!.hosts) {
      const step = (id: string) => h.steps.find((s) => s.id === id)!;
      expect(step('kafka.metrics-agent')).toMatchObject({ status: 'changed', detail: 'upload jmx_prometheus_javaagent-1.0.1.jar' });
      expect(step('kafka.metrics-rules').status).toBe('changed');
      expect(step('zookeeper.firewall').detail).toBe('ufw allow 2181/tcp, 2888/tcp, 3888/tcp, 7000/tcp');
      expect(step('kafka.firewall').detail).toBe('ufw allow 9092/tcp, 9093/tcp, 7071/tcp');
    }

    // every endpoint, scraped by the test over HTTP (through ufw)
    let activeControllers = 0;
    let followerFetches = 0; // replicas fetching from this node's leaders: the canary's RF 3 partitions
    for (const h of info.hosts) {
      const zk = await scrape(h.address, 7000);
      expect(sample(zk, 'znode_count'), `${h.name} zookeeper`).toBeGreaterThan(0);
      expect(sample(zk, 'outstanding_requests'), `${h.name} zookeeper`).toBeGreaterThanOrEqual(0);
      expect(zk, `${h.name} zookeeper`).toMatch(/^jvm_memory_bytes_used\{/m);

      const k = await scrape(h.address, 7071);
      const at = `${h.name} kafka`;
      expect(sample(k, 'kafka_server_replicamanager_underreplicatedpartitions'), at).toBe(0);
      expect(sample(k, 'kafka_server_replicamanager_isrshrinkspersec_total'), at).toBeGreaterThanOrEqual(0);
      expect(sample(k, 'kafka_controller_kafkacontroller_offlinepartitionscount'), at).toBe(0);
      expect(sample(k, 'kafka_network_requestmetrics_totaltimems', { request: 'Produce', quantile: '0.99' }), at).toBeGreaterThanOrEqual(0);
      followerFetches += sample(k, 'kafka_network_requestmetrics_requests_total', { request: 'FetchFollower' }) ?? Number.NaN;
      expect(sample(k, 'kafka_raft_high_watermark'), at).toBeGreaterThan(0);
      expect(sample(k, 'kafka_raft_log_end_offset'), at).toBeGreaterThanOrEqual(sample(k, 'kafka_raft_high_watermark')!);
      expect(sample(k, 'kafka_broker_metadata_last_applied_record_lag_ms'), at).toBeGreaterThanOrEqual(0);
      expect(sample(k, 'kafka_controller_kafkacontroller_lastappliedrecordlagms'), at).toBeGreaterThanOrEqual(0);
      activeControllers += sample(k, 'kafka_controller_kafkacontroller_activecontrollercount', {}) ?? Number.NaN;
    }
    expect(activeControllers).toBe(1);
    expect(followerFetches).toBeGreaterThan(0);

    // zkk status: each host's URL and that it answers
    const st = await runZkk(['status', inv, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const report = JSON.parse(st.stdout) as StatusReport;
    for (const h of report.hosts) {
      console.log(`${h.name}: status scraped ${h.services.map((s) => `${s.service} in ${s.metrics?.ms ?? '-'} ms (${s.metrics?.samples ?? 0} samples${s.metrics?.error ? `, ${s.metrics.error}` : ''})`).join(', ')}`);
      expect(h.services.map((s) => [s.service, s.metrics?.url, s.metrics?.answers]), JSON.stringify(h.services.map((s) => s.metrics))).toEqual([
        ['zookeeper', `http://${h.address}:7000/metrics`, true],
        ['kafka', `http://${h.address}:7071/metrics`, true],
      ]);
    }
    const text = await runZkk(['status', inv]);
    expect(text.stdout).toContain(`http://${info.hosts[0]!.address}:7071/metrics ✓`);

    // the Prometheus file_sd target file
    const targets = await runZkk(['metrics', 'targets', inv]);
    expect(targets.code, targets.stderr).toBe(0);
    expect(JSON.parse(targets.stdout)).toEqual(
      info.hosts.flatMap((h) => [
        { targets: [`${h.address}:7000`], labels: { job: 'zookeeper', cluster: 'e2e', host: h.name } },
        { targets: [`${h.address}:7071`], labels: { job: 'kafka', cluster: 'e2e', host: h.name } },
      ]),
    );

    const again = await runZkk(['deploy', inv, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, 300_000);
});
