/**
 * metrics.enabled: the inventory (ports claimed and checked for clashes, the agent's checksum
 * source), what is rendered (zoo.cfg's Prometheus provider, KAFKA_OPTS' -javaagent, the
 * exporter rules), the agent as a verified release and its upload step, the endpoints and
 * the Prometheus file_sd targets, and the HTTP sample count.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseInventory } from '../../../src/inventory/load.js';
import type { ResolvedHost } from '../../../src/inventory/resolve.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { renderZookeeperFiles, zookeeperPorts } from '../../../src/roles/zookeeper/config.js';
import { kafkaPorts, renderKafkaFiles, type KafkaHost } from '../../../src/roles/kafka/config.js';
import { kafkaRole } from '../../../src/roles/kafka/kafka-role.js';
import { ensureMetricsAgent, metricsAgentJar } from '../../../src/roles/kafka/metrics-agent.js';
import { fileSdTargets, metricsEndpoints, sampleCount } from '../../../src/engine/metrics-endpoints.js';
import { kafkaPreflight } from '../../../src/roles/kafka/preflight.js';
import { zookeeperPreflight } from '../../../src/roles/zookeeper/preflight.js';

const yaml = (metrics: string, extra = '') =>
  `cluster: c\n${metrics}hosts:\n  - { name: n1, address: 10.213.0.211, roles: [zookeeper, kafka] }\n  - { name: n2, address: 10.213.0.212, roles: [kafka] }\nkafka: { mode: zookeeper, version: 3.9.2${extra} }\n`;
const load = (text: string) => parseInventory(text, '/srv/inv/inventory.yml', inventorySections);
const problems = (text: string): string => {
  try {
    load(text);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('metrics.enabled', () => {
  const inv = load(yaml('metrics: { enabled: true }\n'));
  const [n1, n2] = inv.hosts as [ResolvedHost, ResolvedHost];

  it('claims the metrics ports (firewall, preflight, clash check) only when enabled', () => {
    expect(zookeeperPorts(n1.zookeeper!).map((p) => p.port)).toEqual([2181, 2888, 3888, 7000]);
    expect(kafkaPorts(n1.kafka!).map((p) => p.port)).toEqual([9092, 7071]);
    expect(kafkaPreflight.needs(inv, n1)!.ports.map((p) => `${p.port} ${p.setting}`)).toEqual(['9092 kafka.port', '7071 kafka.metricsPort']);
    expect(zookeeperPreflight.needs(inv, n1)!.ports.map((p) => p.setting)).toContain('zookeeper.metricsPort');
    const off = load(yaml(''));
    expect(kafkaPorts(off.hosts[0]!.kafka!).map((p) => p.port)).toEqual([9092]);
    expect(zookeeperPorts(off.hosts[0]!.zookeeper!).map((p) => p.port)).toEqual([2181, 2888, 3888]);
    expect(problems(yaml('metrics: { enabled: true }\n', ', metricsPort: 2181'))).toMatch(/2181/);
    expect(problems(yaml('', ', metricsPort: 2181'))).toBe('');
  });

  it('refuses an agent version whose SHA-512 nothing gives (Maven Central publishes none)', () => {
    expect(problems(yaml('metrics: { enabled: true }\n', ', metricsAgent: { version: 0.20.0 }'))).toMatch(/kafka\.metricsAgent\.version.*no SHA-512 of jmx_prometheus_javaagent 0\.20\.0/s);
    expect(problems(yaml('metrics: { enabled: true }\n', `, metricsAgent: { version: 0.20.0, sha512: ${'ab'.repeat(64)} }`))).toBe('');
    expect(problems(yaml('metrics: { enabled: true }\n', ', metricsAgent: { version: 0.20.0, mirror: /srv/m2 }'))).toBe('');
    expect(problems(yaml('metrics: { enabled: true }\n').replace('roles: [kafka] }', 'roles: [kafka], kafka: { metricsAgent: { version: 1.0.1 } } }'))).toMatch(/hosts\[1\]\.kafka\.metricsAgent.*cluster-wide/s);
  });

  it('refuses a ZooKeeper before 3.6 (no Prometheus provider)', () => {
    expect(problems(yaml('metrics: { enabled: true }\nzookeeper: { version: 3.5.10 }\n'))).toMatch(/metrics\.enabled.*ZooKeeper 3\.5\.10 has no Prometheus metrics provider/s);
    expect(problems(yaml('zookeeper: { version: 3.5.10 }\n'))).toBe('');
  });

  it("zoo.cfg turns on ZooKeeper's Prometheus provider on the host's address", () => {
    const cfg = renderZookeeperFiles(inv, n1 as never).zooCfg;
    expect(cfg).toContain(
      '\nmetricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\nmetricsProvider.httpHost=10.213.0.211\nmetricsProvider.httpPort=7000\nmetricsProvider.exportJvmInfo=true\n',
    );
    expect(renderZookeeperFiles(load(yaml('')), load(yaml('')).hosts[0] as never).zooCfg).not.toContain('metricsProvider');
  });

  it('KAFKA_OPTS starts the JMX exporter agent (init script and unit); the rules are YAML with valid patterns', () => {
    const f = renderKafkaFiles(inv, n2 as KafkaHost);
    const flag = '-javaagent:/usr/local/kafka-metrics/jmx_prometheus_javaagent-1.0.1.jar=10.213.0.212:7071:/etc/kafka/jmx-exporter.yml';
    expect(f.initScript).toContain(`\nexport KAFKA_OPTS=${flag}\n`);
    expect(f.systemdUnit).toContain(`\nEnvironment=KAFKA_OPTS=${flag}\n`);
    const rules = parseYaml(f.metricsRules!) as { lowercaseOutputName: boolean; includeObjectNames: string[]; rules: { pattern: string; name: string }[] };
    expect(rules.lowercaseOutputName).toBe(true);
    // the agent queries only includeObjectNames: every rule's MBean must be one of them
    // (JMX ObjectName patterns: domain:key=value,... with an optional trailing ",*")
    const included = (domain: string, props: [string, string][]) =>
      rules.includeObjectNames.some((n) => {
        const [d, list] = n.split(':') as [string, string];
        const parts = list.split(',');
        const open = parts[parts.length - 1] === '*';
        const want = parts.filter((p) => p !== '*').map((p) => p.split('=') as [string, string]);
        const has = new Map(props);
        return d === domain && want.every(([k, v]) => has.get(k) === v) && (open || want.length === props.length);
      });
    for (const bean of [
      ['kafka.server', [['type', 'ReplicaManager'], ['name', 'UnderReplicatedPartitions']]],
      ['kafka.controller', [['type', 'KafkaController'], ['name', 'ActiveControllerCount']]],
      ['kafka.controller', [['type', 'ControllerStats'], ['name', 'UncleanLeaderElectionsPerSec']]],
      ['kafka.network', [['type', 'RequestMetrics'], ['name', 'TotalTimeMs'], ['request', 'Produce']]],
      ['kafka.network', [['type', 'RequestChannel'], ['name', 'RequestQueueSize']]],
      ['kafka.server', [['type', 'raft-metrics']]],
      ['kafka.server', [['type', 'broker-metadata-metrics']]],
    ] as [string, [string, string][]][])
      expect(included(bean[0], bean[1]), JSON.stringify(bean)).toBe(true);
    // and nothing per topic or per partition is walked
    expect(included('kafka.log', [['type', 'Log'], ['name', 'Size'], ['topic', 't'], ['partition', '0']])).toBe(false);
    expect(included('kafka.server', [['type', 'BrokerTopicMetrics'], ['name', 'BytesInPerSec'], ['topic', 't']])).toBe(false);
    // every rule's pattern starts with an included domain<type=…>
    for (const r of rules.rules) {
      const m = /^([a-z.]+)<type=([A-Za-z-]+)/.exec(r.pattern);
      expect(m, r.pattern).not.toBeNull();
      expect(rules.includeObjectNames.some((n) => n.startsWith(`${m![1]}:type=${m![2]}`)), r.pattern).toBe(true);
    }
    for (const r of rules.rules) expect(() => new RegExp(r.pattern)).not.toThrow();
    const matches = (bean: string) => rules.rules.some((r) => new RegExp(r.pattern).test(bean));
    for (const bean of [
      'kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value',
      'kafka.server<type=ReplicaManager, name=IsrShrinksPerSec><>Count',
      'kafka.controller<type=KafkaController, name=OfflinePartitionsCount><>Value',
      'kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value',
      'kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Produce><>99thPercentile',
      'kafka.server<type=raft-metrics><>high-watermark',
      'kafka.server<type=broker-metadata-metrics><>last-applied-record-lag-ms',
    ])
      expect(matches(bean), bean).toBe(true);
    const off = load(yaml(''));
    const plain = renderKafkaFiles(off, off.hosts[1] as KafkaHost);
    expect(plain.metricsRules).toBeUndefined();
    expect(plain.initScript).not.toContain('javaagent');
  });

  it('the agent is a release: Maven layout, pinned SHA-512; uploaded when the host has no such jar', () => {
    const specs = kafkaRole.releases!(inv);
    expect(specs.map((s) => s.component)).toEqual(['kafka', 'jmx-exporter']);
    expect(specs[1]).toMatchObject({
      archivePath: 'io/prometheus/jmx/jmx_prometheus_javaagent/1.0.1/jmx_prometheus_javaagent-1.0.1.jar',
      source: { url: 'https://repo1.maven.org/maven2', sha512: expect.stringMatching(/^f81d876e/) },
    });
    expect(kafkaRole.releases!(load(yaml(''))).map((s) => s.component)).toEqual(['kafka']);
    const rel = { localPath: '/cache/a.jar', fileName: 'a.jar', sha512: 'c'.repeat(128) };
    const jar = metricsAgentJar(n2.kafka!);
    expect(ensureMetricsAgent('c'.repeat(128), rel, jar).kind).toBe('ok');
    expect(ensureMetricsAgent('', rel, jar)).toMatchObject({ kind: 'change', summary: 'upload jmx_prometheus_javaagent-1.0.1.jar', actions: [{ kind: 'upload', remotePath: jar, sha512: rel.sha512 }] });
    expect(ensureMetricsAgent('d'.repeat(128), rel, jar)).toMatchObject({ kind: 'change', summary: 'replace jmx_prometheus_javaagent-1.0.1.jar' });
  });

  it('endpoints and the file_sd target file: one per host and service', () => {
    expect(metricsEndpoints(inv).map((e) => e.url)).toEqual(['http://10.213.0.211:7000/metrics', 'http://10.213.0.211:7071/metrics', 'http://10.213.0.212:7071/metrics']);
    expect(fileSdTargets(inv)).toEqual([
      { targets: ['10.213.0.211:7000'], labels: { job: 'zookeeper', cluster: 'c', host: 'n1' } },
      { targets: ['10.213.0.211:7071'], labels: { job: 'kafka', cluster: 'c', host: 'n1' } },
      { targets: ['10.213.0.212:7071'], labels: { job: 'kafka', cluster: 'c', host: 'n2' } },
    ]);
    expect(metricsEndpoints(load(yaml('')))).toEqual([]);
  });

  it('counts the samples of a Prometheus text answer', () => {
    expect(sampleCount('# HELP a x\n# TYPE a gauge\na 1\nb{c="d"} 2\n')).toBe(2);
    expect(sampleCount('')).toBe(0);
  });
});
