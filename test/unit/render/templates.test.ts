/**
 * Golden files: the rendered configs of the seeds layout and a KRaft cluster. To accept
 * a deliberate template change: ZKK_UPDATE_GOLDEN=1 npx vitest run test/unit/render
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, parseInventory } from '../../../src/inventory/load.js';
import { renderZookeeperFiles, zookeeperConnect } from '../../../src/roles/zookeeper/config.js';
import { renderKafkaFiles, kafkaHosts } from '../../../src/roles/kafka/config.js';
import type { ResolvedHost } from '../../../src/inventory/resolve.js';
import { inventorySections } from '../../../src/roles/all-roles.js';

const goldenDir = path.join(__dirname, '../../fixtures/golden');
function golden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (process.env.ZKK_UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('ZooKeeper templates (seeds layout)', async () => {
  const inv = await loadInventory(path.join(__dirname, '../../fixtures/inventories/seeds-lab.yml'), inventorySections);
  const h = inv.hosts[1] as ResolvedHost & { zookeeper: NonNullable<ResolvedHost['zookeeper']> };
  const files = renderZookeeperFiles(inv, h);

  it('zoo.cfg lists every server with the seeds ports and is managed', () => {
    expect(files.zooCfg).toMatch(/^# managed by zkk/);
    expect(files.zooCfg).toContain('server.1=10.213.0.11:3188:3288');
    expect(files.zooCfg).toContain('server.3=10.213.0.13:3188:3288');
    expect(files.zooCfg).toContain('4lw.commands.whitelist=srvr,ruok,mntr,conf');
    expect(files.zooCfg).toContain('admin.enableServer=false');
    golden('seeds-node2-zoo.cfg', files.zooCfg);
  });
  it('myid is the host position', () => expect(files.myid).toBe('2\n'));
  it('init script and unit', () => {
    golden('seeds-zookeeper.init', files.initScript);
    golden('seeds-zookeeper.service', files.systemdUnit);
  });
  it('java.env and logback.xml', () => {
    golden('seeds-java.env', files.javaEnv);
    golden('seeds-logback.xml', files.logback);
  });
  it('extra properties come last', () => {
    const inv2 = parseInventory('cluster: x\nzookeeper: { extraConfig: { "snapCount": 50000, "globalOutstandingLimit": 2000 } }\nhosts:\n  - { address: 10.213.0.11, roles: [zookeeper] }\n', 'x.yml', inventorySections);
    const f = renderZookeeperFiles(inv2, inv2.hosts[0] as never).zooCfg;
    expect(f.trimEnd().split('\n').slice(-2)).toEqual(['snapCount=50000', 'globalOutstandingLimit=2000']);
    expect(f).not.toMatch(/^server\./m); // standalone
  });
  it('zookeeper.connect with chroot', () => {
    expect(zookeeperConnect(inv, '/kafka')).toBe('10.213.0.11:2181,10.213.0.12:2181,10.213.0.13:2181/kafka');
  });
});

describe('Kafka templates', async () => {
  const inv = await loadInventory(path.join(__dirname, '../../fixtures/inventories/seeds-lab.yml'), inventorySections);
  it('ZooKeeper mode server.properties', () => {
    const f = renderKafkaFiles(inv, kafkaHosts(inv)[0]!).serverProperties;
    expect(f).toContain('broker.id=1');
    expect(f).toContain('listeners=PLAINTEXT://10.213.0.11:9092');
    expect(f).toContain('zookeeper.connect=10.213.0.11:2181,10.213.0.12:2181,10.213.0.13:2181/kafka');
    expect(f).toContain('offsets.topic.replication.factor=3');
    golden('seeds-node1-server.properties', f);
  });
  it('KRaft combined nodes, static quorum', () => {
    const k = parseInventory('cluster: k\nkafka: { version: 4.4.0 }\nhosts:\n' + [11, 12, 13].map((n) => `  - { name: k${n}, address: 10.213.0.${n}, roles: [kafka] }\n`).join(''), 'k.yml', inventorySections);
    const files = renderKafkaFiles(k, kafkaHosts(k)[2]!);
    expect(files.serverProperties).toContain('process.roles=broker,controller');
    expect(files.serverProperties).toContain('controller.quorum.voters=1@10.213.0.11:9093,2@10.213.0.12:9093,3@10.213.0.13:9093');
    expect(files.serverProperties).toContain('listeners=PLAINTEXT://10.213.0.13:9092,CONTROLLER://10.213.0.13:9093');
    expect(files.serverProperties).not.toContain('zookeeper.connect');
    golden('kraft-node3-server.properties', files.serverProperties);
    golden('kraft-kafka.init', files.initScript);
    golden('kraft-kafka.service', files.systemdUnit);
  });
  it('one broker never asks for RF 3 internal topics', () => {
    const k = parseInventory('cluster: one\nhosts:\n  - { address: 10.213.0.11, roles: [zookeeper, kafka] }\n', 'one.yml', inventorySections);
    const f = renderKafkaFiles(k, kafkaHosts(k)[0]!).serverProperties;
    expect(f).toContain('offsets.topic.replication.factor=1');
    expect(f).toContain('transaction.state.log.min.isr=1');
  });
});
