import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, parseInventory } from '../../../src/inventory/load.js';
import { InventoryErrors, InventoryError } from '../../../src/errors/zkk-error.js';
import { inventorySections } from '../../../src/roles/all-roles.js';

const fixture = (name: string) => path.join(__dirname, '../../fixtures/inventories', name);

async function errorsOf(name: string): Promise<InventoryError[]> {
  try {
    await loadInventory(fixture(name), inventorySections);
  } catch (e) {
    if (e instanceof InventoryErrors) return e.errors;
    if (e instanceof InventoryError) return [e];
    throw e;
  }
  throw new Error(`${name} loaded without errors`);
}

describe('broken inventories: exit 2, file:line, a hint', () => {
  it.each([
    ['bad-yaml.yml', 4, /invalid YAML/, /indentation/],
    ['duplicate-ids.yml', 4, /myid 1 is already used by hosts\[0\]/, /distinct myid/],
    ['unknown-key.yml', 5, /unknown key "tickTme"/, /did you mean "tickTime"/],
    ['bad-port.yml', 5, /zookeeper\.clientPort/, /1-65535/],
    ['missing-hosts.yml', 1, /hosts: is required/, /list the machines/],
    ['port-clash.yml', 3, /port 9092 is used twice on a/, /own port/],
    ['myid-range.yml', 3, /myid 300 is out of range/, /1-255/],
  ])('%s', async (name, line, message, hint) => {
    const errs = await errorsOf(name);
    expect(errs.length).toBeGreaterThan(0);
    const e = errs[0]!;
    expect(e.exitCode).toBe(2);
    expect(e.file).toBe(fixture(name));
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
    expect(e.hint ?? '').toMatch(hint);
    expect(e.format()).toContain(`${fixture(name)}:${line}:`);
  });

  it('collects several problems at once, sorted by line', async () => {
    const text = 'cluster: x\nhosts:\n  - address: 10.213.0.1\n    roles: [zookeper]\n    myd: 3\nzookeeper:\n  tickTme: 3\n';
    try {
      parseInventory(text, 'inv.yml', inventorySections);
      expect.unreachable();
    } catch (e) {
      const errs = (e as InventoryErrors).errors;
      expect(errs.map((x) => x.line)).toEqual([4, 5, 7]);
      expect(errs[1]!.hint).toBe('did you mean "myid"?');
    }
  });

  it('a missing file says so', async () => {
    await expect(loadInventory('/nonexistent/zkk.yml', inventorySections)).rejects.toThrow(/file not found/);
  });
});

describe('resolution', () => {
  const seeds = () => loadInventory(path.join(__dirname, '../../fixtures/inventories/seeds-lab.yml'), inventorySections);

  it('the seeds layout: ports 3188/3288, /usr/local, myids from host order', async () => {
    const inv = await seeds();
    const zk = inv.hosts.map((h) => h.zookeeper!);
    expect(zk.map((z) => z.myid)).toEqual([1, 2, 3]);
    expect(zk[0]!.quorumPort).toBe(3188);
    expect(zk[0]!.electionPort).toBe(3288);
    expect(zk[0]!.installDir).toBe('/usr/local/zookeeper');
    expect(zk[0]!.tickTime).toBe(2000);
  });

  it('Kafka replication defaults follow the broker count', async () => {
    const inv = await seeds();
    const k = inv.hosts[0]!.kafka!;
    expect(k.mode).toBe('zookeeper');
    expect(k.defaultReplicationFactor).toBe(3);
    expect(k.minInsyncReplicas).toBe(2);
    const one = parseInventory('cluster: one\nhosts:\n  - { address: 10.213.0.11, roles: [zookeeper, kafka] }\n', 'one.yml', inventorySections);
    expect(one.hosts[0]!.kafka!.defaultReplicationFactor).toBe(1);
    expect(one.hosts[0]!.kafka!.minInsyncReplicas).toBe(1);
  });

  it('host settings override cluster settings, which override defaults', () => {
    const inv = parseInventory(
      'cluster: o\nzookeeper: { tickTime: 3000, heapMb: 512 }\nhosts:\n  - { name: a, address: 10.213.0.11, roles: [zookeeper], zookeeper: { heapMb: 256 } }\n  - { name: b, address: 10.213.0.12, roles: [zookeeper], myid: 7 }\n',
      'o.yml',
      inventorySections,
    );
    expect(inv.hosts[0]!.zookeeper!.heapMb).toBe(256);
    expect(inv.hosts[0]!.zookeeper!.tickTime).toBe(3000);
    expect(inv.hosts[1]!.zookeeper!.heapMb).toBe(512);
    expect(inv.hosts[1]!.zookeeper!.myid).toBe(7);
    expect(inv.hosts[0]!.zookeeper!.clientPort).toBe(2181);
  });

  it('an even ensemble is a warning, not an error', () => {
    const inv = parseInventory('cluster: e\nhosts:\n  - { address: 10.213.0.11, roles: [zookeeper] }\n  - { address: 10.213.0.12, roles: [zookeeper] }\n', 'e.yml', inventorySections);
    expect(inv.warnings.join()).toMatch(/even ensemble/);
  });

  it('KRaft: 4.x implies kraft, the first three brokers are controllers', () => {
    const inv = parseInventory(
      'cluster: k\nkafka: { version: 4.4.0 }\nhosts:\n' + [11, 12, 13, 14].map((n) => `  - { address: 10.213.0.${n}, roles: [kafka] }\n`).join(''),
      'k.yml',
      inventorySections,
    );
    expect(inv.hosts.map((h) => h.kafka!.processRoles.join('+'))).toEqual(['broker+controller', 'broker+controller', 'broker+controller', 'broker']);
    expect(inv.java.minVersion).toBe(17);
  });

  it('ZooKeeper mode with Kafka 4 is refused', () => {
    expect(() => parseInventory('cluster: k\nkafka: { version: 4.4.0, mode: zookeeper }\nhosts:\n  - { address: 10.213.0.11, roles: [zookeeper, kafka] }\n', 'k.yml', inventorySections)).toThrow(/no ZooKeeper mode/);
  });
});

describe('upgrade refusals in the inventory', () => {
  it('a Kafka 4 version on a ZooKeeper-mode cluster: exit 2, pointing to the migration', () => {
    const text = 'cluster: x\nhosts:\n  - address: 10.213.0.1\n    roles: [zookeeper, kafka]\nkafka:\n  mode: zookeeper\n  version: 4.4.0\n';
    try {
      parseInventory(text, 'inv.yml', inventorySections);
      expect.unreachable();
    } catch (e) {
      const err = e instanceof InventoryErrors ? e.errors[0]! : (e as InventoryError);
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(/Kafka 4\.4\.0 has no ZooKeeper mode/);
      expect(err.hint).toMatch(/migrate to KRaft on 3\.9/);
    }
  });
  it('a setting Kafka 4 removed, kept in extraConfig for a 4.x version: exit 2 at its line, with what to use instead; on 3.9 it is rendered', () => {
    const text = (version: string) =>
      `cluster: x\nhosts:\n  - { address: 10.213.0.1, roles: [kafka] }\n  - { address: 10.213.0.2, roles: [kafka] }\n  - { address: 10.213.0.3, roles: [kafka] }\nkafka:\n  version: ${version}\n  extraConfig:\n    log.message.timestamp.difference.max.ms: "3600000"\n`;
    expect(parseInventory(text('3.9.2'), 'inv.yml', inventorySections).hosts[0]!.kafka!.extraConfig).toEqual({ 'log.message.timestamp.difference.max.ms': '3600000' });
    try {
      parseInventory(text('4.4.0'), 'inv.yml', inventorySections);
      expect.unreachable();
    } catch (e) {
      const errs = e instanceof InventoryErrors ? e.errors : [e as InventoryError];
      expect(errs).toHaveLength(1);
      expect(errs[0]!.exitCode).toBe(2);
      expect(errs[0]!.message).toMatch(/inv\.yml:\d+:\d+.*Kafka 4\.4\.0 has no setting log\.message\.timestamp\.difference\.max\.ms \(removed in 4\.0\)/);
      expect(errs[0]!.hint).toMatch(/log\.message\.timestamp\.before\.max\.ms and log\.message\.timestamp\.after\.max\.ms/);
    }
  });
});
