import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInventory } from '../../../src/inventory/load.js';
import { sshSchema } from '../../../src/inventory/schema.js';
import { kafkaSchema } from '../../../src/roles/kafka/settings.js';
import { zookeeperSchema } from '../../../src/roles/zookeeper/settings.js';
import { seedsLayout, zookeeperPorts, type InitAnswers } from '../../../src/wizard/answers.js';
import { renderInventory, writeFileAtomically } from '../../../src/wizard/inventory-writer.js';
import { inventorySections } from '../../../src/roles/all-roles.js';

const zkAnswers: InitAnswers = {
  cluster: 'lab',
  hosts: [{ name: 'zk1', address: '10.213.0.11' }, { name: 'zk2', address: '10.213.0.12' }, { address: '10.213.0.13' }, { name: 'k4', address: 'kafka4.example.com' }],
  kafkaMode: 'zookeeper',
  kafkaVersion: '3.9.2',
  zookeeperHosts: [0, 1, 2],
  kafkaHosts: [0, 1, 2, 3],
  release: { kind: 'mirror', mirror: '/srv/mirror' },
  zookeeper: { version: '3.8.0', installDir: '/usr/local/zookeeper', dataDir: '/usr/local/zookeeper-data', ports: 'seeds' },
  kafka: { installDir: '/usr/local/kafka', dataDirs: ['/data/1', '/data/2'] },
  ssh: { user: 'deploy', port: 2222, identityFile: '~/.ssh/id_lab', knownHosts: '/etc/zkk/known_hosts', sudo: true },
  javaInstall: 'never',
};

const kraftAnswers: InitAnswers = {
  cluster: 'k',
  hosts: [{ address: '10.213.0.1' }, { address: '10.213.0.2' }, { address: '10.213.0.3' }],
  kafkaMode: 'kraft',
  kafkaVersion: '4.4.0',
  zookeeperHosts: [],
  kafkaHosts: [0, 1, 2],
  release: { kind: 'apache' },
  kafka: { installDir: '/opt/kafka', dataDirs: ['/var/lib/kafka/data'] },
  ssh: { user: 'root', port: 22 },
  javaInstall: 'auto',
};

describe('the written inventory', () => {
  it('round-trips through parseInventory (ZooKeeper mode, mirror, sudo user)', () => {
    const inv = parseInventory(renderInventory(zkAnswers), '/etc/zkk/inventory.yml', inventorySections);
    expect(inv.cluster).toBe('lab');
    expect(inv.warnings).toEqual([]);
    expect(inv.java.install).toBe('never');
    expect(inv.hosts.map((h) => [h.name, h.address, [...h.roles].join('+')])).toEqual([
      ['zk1', '10.213.0.11', 'zookeeper+kafka'],
      ['zk2', '10.213.0.12', 'zookeeper+kafka'],
      ['10.213.0.13', '10.213.0.13', 'zookeeper+kafka'],
      ['k4', 'kafka4.example.com', 'kafka'],
    ]);
    const zk = inv.hosts[0]!.zookeeper!;
    expect(zk).toMatchObject({ version: '3.8.0', installDir: '/usr/local/zookeeper', dataDir: '/usr/local/zookeeper-data', quorumPort: 3188, electionPort: 3288, myid: 1 });
    expect(zk.release).toEqual({ mirror: '/srv/mirror' });
    const k = inv.hosts[3]!.kafka!;
    expect(k).toMatchObject({ mode: 'zookeeper', version: '3.9.2', installDir: '/usr/local/kafka', logDirs: ['/data/1', '/data/2'], nodeId: 4, release: { mirror: '/srv/mirror' } });
    expect(inv.hosts[0]!.ssh).toMatchObject({ user: 'deploy', port: 2222, identityFile: path.join(os.homedir(), '.ssh/id_lab'), knownHosts: '/etc/zkk/known_hosts', sudo: true });
  });

  it('round-trips in KRaft mode with the Apache archive', () => {
    const inv = parseInventory(renderInventory(kraftAnswers), '/tmp/inventory.yml', inventorySections);
    expect(inv.hosts.every((h) => !h.zookeeper && h.kafka?.mode === 'kraft')).toBe(true);
    expect(inv.hosts.map((h) => h.kafka!.processRoles.join('+'))).toEqual(['broker+controller', 'broker+controller', 'broker+controller']);
    expect(inv.hosts[0]!.kafka!.release).toEqual({});
    expect(inv.java.minVersion).toBe(17);
  });

  it('round-trips local release files and standard ports', () => {
    const a: InitAnswers = {
      ...zkAnswers,
      release: { kind: 'files', zookeeperFile: '/srv/apache-zookeeper-3.8.0-bin.tar.gz', kafkaFile: '/srv/kafka_2.13-3.9.2.tgz' },
      zookeeper: { ...zkAnswers.zookeeper!, ports: 'standard' },
    };
    const inv = parseInventory(renderInventory(a), '/tmp/inventory.yml', inventorySections);
    expect(inv.hosts[0]!.zookeeper).toMatchObject({ quorumPort: 2888, electionPort: 3888, release: { file: '/srv/apache-zookeeper-3.8.0-bin.tar.gz' } });
    expect(inv.hosts[0]!.kafka!.release).toEqual({ file: '/srv/kafka_2.13-3.9.2.tgz' });
  });

  it('explains each block, with the schema descriptions on the keys', () => {
    const text = renderInventory(zkAnswers);
    expect(text).toMatch(/^# zkk inventory for the cluster "lab", written by `zkk init`: 4 host\(s\),\n# 3 ZooKeeper, 4 Kafka broker\(s\) in ZooKeeper mode\./);
    expect(text).toContain('zkk plan <this file>');
    for (const d of [sshSchema.shape.identityFile.description, zookeeperSchema.shape.dataDir.description, kafkaSchema.shape.logDirs.description, zookeeperSchema.description])
      expect(text).toContain(`# ${d}`);
    expect(text).toMatch(/# The machines, in any order: ZooKeeper myids and Kafka broker ids are read from the hosts/);
    expect(text).toContain('  - {name: zk1, address: 10.213.0.11, roles: [zookeeper, kafka]}');
    expect(text).toContain('  logDirs: [/data/1, /data/2]');
    expect(text).toMatch(/\n\nzookeeper:|\n\n# ZooKeeper settings/);
    const apache = renderInventory(kraftAnswers);
    expect(apache).toMatch(/The Kafka release comes from the Apache archive \(https:\/\/archive\.apache\.org\/dist\)/);
    expect(apache).toMatch(/KRaft: the first 3 Kafka host\(s\) are also the controllers/);
    expect(apache).not.toMatch(/^zookeeper:/m);
  });

  it('the comments do not change the data', () => {
    expect(parse(renderInventory(kraftAnswers))).toEqual({
      cluster: 'k',
      ssh: { user: 'root', port: 22 },
      java: { install: 'auto' },
      hosts: [0, 1, 2].map((i) => ({ address: `10.213.0.${i + 1}`, roles: ['kafka'] })),
      kafka: { mode: 'kraft', version: '4.4.0', installDir: '/opt/kafka', logDirs: ['/var/lib/kafka/data'] },
    });
  });

  it('is deterministic', () => {
    expect(renderInventory(structuredClone(zkAnswers))).toBe(renderInventory(zkAnswers));
  });
});

describe('seeds defaults come from inventories/seeds.yml', () => {
  it('reads the layout of the example', () => {
    const seeds = parse(readFileSync(path.join(__dirname, '../../../inventories/seeds.yml'), 'utf8'));
    expect(seedsLayout()).toEqual({
      zookeeper: { installDir: seeds.zookeeper.installDir, dataDir: seeds.zookeeper.dataDir, quorumPort: seeds.zookeeper.quorumPort, electionPort: seeds.zookeeper.electionPort },
      kafka: { installDir: seeds.kafka.installDir, logDirs: seeds.kafka.logDirs },
    });
    expect(zookeeperPorts('seeds')).toEqual({ quorumPort: 3188, electionPort: 3288 });
    expect(zookeeperPorts('standard')).toEqual({ quorumPort: 2888, electionPort: 3888 });
  });
});

describe('writeFileAtomically', () => {
  it('writes whole files, replaces existing ones, leaves no temp file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-write-'));
    const f = path.join(dir, 'inventory.yml');
    await writeFileAtomically(f, 'a: 1\n');
    expect(readFileSync(f, 'utf8')).toBe('a: 1\n');
    writeFileSync(f, 'old');
    await writeFileAtomically(f, 'b: 2\n');
    expect(readFileSync(f, 'utf8')).toBe('b: 2\n');
    expect(readdirSync(dir)).toEqual(['inventory.yml']);
    rmSync(dir, { recursive: true, force: true });
  });
  it('fails cleanly when the directory is missing', async () => {
    const f = path.join(os.tmpdir(), 'zkk-no-such-dir', 'x', 'inventory.yml');
    await expect(writeFileAtomically(f, 'x')).rejects.toThrow(/ENOENT/);
    expect(existsSync(f)).toBe(false);
  });
});
