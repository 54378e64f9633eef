/**
 * Builders for status reports in unit tests (a healthy 3-node cluster, then break what a
 * test needs), and the validator built from the published schema file (used by e2e too).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { HostStatus, StatusEnvelope, StatusReport } from '../../../src/engine/status-schema.js';
import { assessStatus } from '../../../src/engine/status-verdict.js';
import type { KafkaServiceStatus, KafkaSummary } from '../../../src/roles/kafka/status-schema.js';
import { summarizeZookeeper } from '../../../src/roles/zookeeper/status.js';
import type { ZookeeperServiceStatus, ZookeeperSummary } from '../../../src/roles/zookeeper/status-schema.js';

export function zkService(myid: number, over: Partial<ZookeeperServiceStatus> = {}): ZookeeperServiceStatus {
  const mode = over.mode ?? (myid === 2 ? 'leader' : 'follower');
  return {
    service: 'zookeeper',
    myid,
    state: 'running',
    pid: 1000 + myid,
    uptimeSec: 600,
    ports: [
      { name: 'client', port: 2181, listening: true, expected: true },
      { name: 'quorum', port: 2888, listening: mode === 'leader', expected: mode === 'leader' },
      { name: 'election', port: 3888, listening: true, expected: true },
    ],
    version: '3.8.0',
    installedVersion: '3.8.0',
    metrics: null,
    mode,
    zxid: '0x100000004',
    connections: 3,
    outstanding: 0,
    nodeCount: 30,
    syncedFollowers: mode === 'leader' ? 2 : null,
    ...over,
  };
}

export function kafkaService(nodeId: number, over: Partial<KafkaServiceStatus> = {}, kraft = false): KafkaServiceStatus {
  return {
    service: 'kafka',
    nodeId,
    processRoles: kraft ? ['broker', 'controller'] : ['broker'],
    state: 'running',
    pid: 2000 + nodeId,
    uptimeSec: 500,
    ports: [
      { name: 'broker', port: 9092, listening: true, expected: true },
      ...(kraft ? [{ name: 'controller' as const, port: 9093, listening: true, expected: true }] : []),
    ],
    version: kraft ? '4.4.0' : '3.9.2',
    installedVersion: kraft ? '4.4.0' : '3.9.2',
    metrics: { url: `http://10.0.0.${nodeId}:7071/metrics`, answers: true, ms: 12, samples: 340, error: null },
    registered: true,
    activeController: nodeId === 1,
    finalizePending: null,
    quorum: kraft ? { role: nodeId === 1 ? 'leader' : 'voter', logEndOffset: 100, lag: 0, lagMs: 0 } : null,
    ...over,
  };
}

export function host(i: number, services: HostStatus['services'], ssh: Partial<HostStatus['ssh']> = {}): HostStatus {
  return { name: `zk${i}`, address: `10.213.0.${10 + i}`, ssh: { reachable: true, ms: 40, error: null, ...ssh }, services };
}

export function kafkaSummary(over: Partial<KafkaSummary> = {}, kraft = false): KafkaSummary {
  return {
    mode: kraft ? 'kraft' : 'zookeeper',
    reachable: true,
    via: '10.213.0.11:9092',
    error: null,
    clusterId: 'abc',
    activeController: 1,
    brokers: { expected: [1, 2, 3], registered: [1, 2, 3] },
    partitions: { total: 53, underReplicated: 0, offline: 0, underMinIsr: 0 },
    quorum: kraft
      ? {
          source: 'describe-quorum',
          leaderId: 1,
          leaderEpoch: 3,
          highWatermark: 100,
          voters: [1, 2, 3].map((n) => ({ nodeId: n, host: `zk${n}`, logEndOffset: 100, lag: 0, lagMs: 0 })),
          error: null,
        }
      : null,
    ...over,
  };
}

export function zkModeHosts(): HostStatus[] {
  return [1, 2, 3].map((i) => host(i, [zkService(i), kafkaService(i)]));
}

export function kraftHosts(): HostStatus[] {
  return [1, 2, 3].map((i) => host(i, [kafkaService(i, {}, true)]));
}

export const unreachable = { reachable: false, ms: 5000, error: { code: 'UNREACHABLE', message: 'cannot connect to root@10.213.0.11:22: no SSH handshake within 5s (host down or unreachable?)', hint: 'check the address' } };

/** The report with this cluster's roles' sections typed (the engine's type leaves them to the roles). */
export type RoleStatusReport = Omit<StatusEnvelope, 'hosts'> & {
  hosts: (Omit<HostStatus, 'services'> & { services: (ZookeeperServiceStatus | KafkaServiceStatus)[] })[];
  zookeeper: ZookeeperSummary | null;
  kafka: KafkaSummary | null;
};

/** The verdict as status.ts reaches it: the ZooKeeper summary from the hosts, the Kafka one given. */
export function assess(hosts: HostStatus[], kafka: KafkaSummary | null): ReturnType<typeof assessStatus> & { zookeeper: ZookeeperSummary | null } {
  const zookeeper = summarizeZookeeper(hosts);
  return { ...assessStatus(hosts, { zookeeper, kafka }), zookeeper };
}

/** A complete report (as status.ts assembles it) from hosts and a Kafka summary. */
export function report(hosts: HostStatus[], kafka: KafkaSummary | null): StatusReport {
  const a = assess(hosts, kafka);
  return {
    schemaVersion: 1,
    cluster: 'unit',
    inventory: '/tmp/inventory.yml',
    checkedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 321,
    verdict: a.verdict,
    exitCode: a.exitCode,
    reasons: a.reasons,
    hosts,
    zookeeper: a.zookeeper,
    kafka,
  };
}

export const STATUS_SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/status.schema.json');

/** A validator built from the published JSON Schema file (not from the zod source). */
export function statusValidator(): z.ZodType {
  return z.fromJSONSchema(JSON.parse(readFileSync(STATUS_SCHEMA_FILE, 'utf8')));
}
