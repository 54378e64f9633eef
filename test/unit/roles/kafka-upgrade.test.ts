import { describe, expect, it } from 'vitest';
import { Facts } from '../../../src/facts/gather.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { javaRole } from '../../../src/roles/java/java-role.js';
import { rollOrder } from '../../../src/roles/kafka/roll-order.js';
import {
  compareVersions,
  featureUpgrades,
  refuseUnhealthyUpgrade,
  finalizePending,
  parseFeatureDescribe,
  parseVersionMapping,
  pinnedIbp,
  refuseVersionChange,
  upgradeState,
  versionOfDir,
} from '../../../src/roles/kafka/upgrade.js';

describe('Kafka upgrade state', () => {
  it('a fresh host is finalized at its release', () => {
    const s = upgradeState('3.9.2', undefined, undefined);
    expect(s.finalized).toBe('3.9');
    expect(finalizePending(s)).toBe(false);
  });
  it('a host without the file counts as finalized at the release its link points at', () => {
    expect(versionOfDir('/usr/local/kafka_2.13-3.8.1', '/usr/local/kafka_2.13-')).toBe('3.8.1');
    expect(versionOfDir('/opt/other', '/usr/local/kafka_2.13-')).toBeUndefined();
    const s = upgradeState('3.9.2', undefined, '3.8.1');
    expect(s.finalized).toBe('3.8');
    expect(finalizePending(s)).toBe(true);
  });
  it('ZooKeeper mode: the IBP stays pinned at the finalized level during the roll, not when finalizing', () => {
    const s = upgradeState('3.9.2', '3.8\n', '3.9.2');
    expect(pinnedIbp(s, false)).toBe('3.8');
    expect(pinnedIbp(s, true)).toBeUndefined();
    // a patch upgrade needs no pin
    expect(pinnedIbp(upgradeState('3.9.2', '3.9\n', '3.9.1'), false)).toBeUndefined();
  });
  it('a rollback before finalize is allowed; a downgrade below the finalized level is refused with the reason', () => {
    expect(refuseVersionChange(upgradeState('4.3.1', '4.3', '4.4.0'), 'kraft')).toBeUndefined();
    const r = refuseVersionChange(upgradeState('4.3.1', '4.4', '4.4.0'), 'kraft');
    expect(r?.reason).toMatch(/older than the level this cluster is finalized at \(4\.4: metadata\.version.*cannot be downgraded/);
    expect(refuseVersionChange(upgradeState('3.8.1', '3.9', '3.9.2'), 'zookeeper')?.reason).toMatch(/inter\.broker\.protocol\.version/);
  });
  it('skipping a required intermediate version is refused', () => {
    expect(refuseVersionChange(upgradeState('4.0.0', undefined, '3.2.3'), 'kraft')?.reason).toMatch(/cannot be upgraded to 4\.0\.0 directly/);
    expect(refuseVersionChange(upgradeState('4.0.0', '3.2', '3.9.1'), 'kraft')?.reason).toMatch(/below 3\.3-IV3/);
    expect(refuseVersionChange(upgradeState('4.0.0', '3.9', '3.9.1'), 'kraft')).toBeUndefined();
  });
});

describe('an upgrade while the cluster is not healthy', () => {
  const problems = ['broker(s) 3 (zk3) not serving (fenced or down)', '4 under-replicated partition(s)'];
  it('is refused with what is wrong, when a host would move to a newer release', () => {
    const r = refuseUnhealthyUpgrade('Kafka', '4.4.0', [{ host: 'zk1', installed: '4.3.1' }, { host: 'zk2', installed: '4.4.0' }], problems);
    expect(r?.reason).toBe('refusing to upgrade Kafka 4.3.1 → 4.4.0 while the cluster is not healthy: broker(s) 3 (zk3) not serving (fenced or down); 4 under-replicated partition(s)');
    expect(r?.hint).toMatch(/0 under-replicated partitions, then deploy again/);
    // a patch release counts
    expect(refuseUnhealthyUpgrade('Kafka', '3.9.2', [{ host: 'zk1', installed: '3.9.1' }], problems)).toBeDefined();
  });
  it('is not refused when healthy, for a rollback (it may be the cure), a fresh host or no version change', () => {
    expect(refuseUnhealthyUpgrade('Kafka', '4.4.0', [{ host: 'zk1', installed: '4.3.1' }], [])).toBeUndefined();
    expect(refuseUnhealthyUpgrade('Kafka', '4.3.1', [{ host: 'zk1', installed: '4.4.0' }], problems)).toBeUndefined();
    expect(refuseUnhealthyUpgrade('Kafka', '4.4.0', [{ host: 'zk1' }, { host: 'zk2', installed: '4.4.0' }], problems)).toBeUndefined();
  });
  it('says the same for ZooKeeper, with its own way back', () => {
    const r = refuseUnhealthyUpgrade('ZooKeeper', '3.9.5', [{ host: 'zk1', installed: '3.8.6' }, { host: 'zk3', installed: '3.8.6' }], ['server zk3 down']);
    expect(r?.reason).toBe('refusing to upgrade ZooKeeper 3.8.6 → 3.9.5 while the cluster is not healthy: server zk3 down');
    expect(r?.hint).toMatch(/^bring every server back into the ensemble/);
  });
  it('compares whole releases', () => {
    expect(compareVersions('3.9.2', '3.9.1')).toBeGreaterThan(0);
    expect(compareVersions('3.10.0', '3.9.5')).toBeGreaterThan(0);
    expect(compareVersions('4.3.1', '4.4.0')).toBeLessThan(0);
    expect(compareVersions('4.4', '4.4.0')).toBe(0);
  });
});

describe('the roll order', () => {
  const n = (nodeId: number, ...processRoles: ('broker' | 'controller')[]) => ({ nodeId, processRoles });
  it('dedicated controllers: brokers first, then the standby controllers, the active controller last', () => {
    const nodes = [n(1, 'controller'), n(2, 'controller'), n(3, 'controller'), n(4, 'broker'), n(5, 'broker'), n(6, 'broker')];
    expect(rollOrder(nodes, (x) => x, 2).map((x) => x.nodeId)).toEqual([4, 5, 6, 1, 3, 2]);
  });
  it('combined nodes: the active controller last, the others in inventory order; unknown controller: controllers after brokers', () => {
    const nodes = [n(1, 'broker', 'controller'), n(2, 'broker', 'controller'), n(3, 'broker', 'controller')];
    expect(rollOrder(nodes, (x) => x, 1).map((x) => x.nodeId)).toEqual([2, 3, 1]);
    expect(rollOrder([n(1, 'controller'), n(2, 'broker')], (x) => x, undefined).map((x) => x.nodeId)).toEqual([2, 1]);
  });
});

describe('KRaft finalize: feature by feature', () => {
  const describeOut = [
    'Feature: eligible.leader.replicas.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\tFinalizedVersionLevel: 1\tEpoch: 9',
    'Feature: group.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\tFinalizedVersionLevel: 1\tEpoch: 9',
    'Feature: kraft.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\tFinalizedVersionLevel: 0\tEpoch: 9',
    'Feature: metadata.version\tSupportedMinVersion: 3.3-IV3\tSupportedMaxVersion: 4.4-IV0\tFinalizedVersionLevel: 4.3-IV0\tEpoch: 9',
    'Feature: share.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 2\tFinalizedVersionLevel: 1\tEpoch: 9',
    'Feature: transaction.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 2\tFinalizedVersionLevel: 2\tEpoch: 9',
  ].join('\n');
  // kafka-features.sh version-mapping --release-version 4.4 (4.4.0)
  const mapping = ['metadata.version=33 (4.4)', 'kraft.version=1', 'transaction.version=2', 'group.version=1', 'eligible.leader.replicas.version=1', 'share.version=2', 'streams.version=1'].join('\n');

  it('parses describe and version-mapping', () => {
    expect(parseFeatureDescribe(describeOut).find((f) => f.name === 'metadata.version')).toEqual({ name: 'metadata.version', finalized: '4.3-IV0' });
    expect(parseVersionMapping(mapping)[0]).toEqual({ name: 'metadata.version', level: 33, release: '4.4' });
  });
  it('raises each feature the release maps higher, never kraft.version (static quorum stays static)', () => {
    const { upgrades, skipped } = featureUpgrades(parseFeatureDescribe(describeOut), parseVersionMapping(mapping));
    expect(upgrades).toEqual([
      { name: 'metadata.version', from: '4.3-IV0', to: 33, toName: '4.4' },
      { name: 'share.version', from: '1', to: 2 },
      { name: 'streams.version', from: '0', to: 1 },
    ]);
    expect(skipped.join()).toMatch(/kraft\.version 0 → 1 .*static controller quorum into a dynamic one/);
  });
  it('nothing to raise when the cluster is at the release', () => {
    const at = describeOut.replace('4.3-IV0', '4.4-IV0').replace(/share.version(.*)FinalizedVersionLevel: 1/, 'share.version$1FinalizedVersionLevel: 2');
    const { upgrades } = featureUpgrades(parseFeatureDescribe(at + '\nFeature: streams.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1\tFinalizedVersionLevel: 1\tEpoch: 9'), parseVersionMapping(mapping));
    expect(upgrades).toEqual([]);
  });
});

describe('zkk status: a pending finalize per Kafka host', async () => {
  const { parseInventory } = await import('../../../src/inventory/load.js');
  const { inventorySections } = await import('../../../src/roles/all-roles.js');
  const { Facts } = await import('../../../src/facts/gather.js');
  const { kafkaHostService, kafkaStatusProbes } = await import('../../../src/roles/kafka/status.js');
  const inv = parseInventory('cluster: x\nhosts:\n  - address: 10.213.0.1\n    roles: [kafka]\nkafka:\n  version: 4.4.0\n', 'inv.yml', inventorySections);
  const h = inv.hosts[0]!;
  const facts = (finalized: string | undefined) => {
    const f = new Facts();
    for (const p of kafkaStatusProbes(h)) {
      const out = p.key.startsWith('path:/usr/local/kafka')
        ? 'link 1 /usr/local/kafka_2.13-4.4.0'
        : p.key.endsWith('zkk-finalized-version')
          ? finalized === undefined
            ? 'missing'
            : `file root root 644 4 1 ${'0'.repeat(64)}\n${Buffer.from(finalized).toString('base64')}`
          : '';
      f.set(p.key, p.parse(out));
    }
    return f;
  };
  it('shows "<finalized> → <release>" while the release is newer than the finalized level', () => {
    expect(kafkaHostService(h, facts('4.3\n'), undefined).finalizePending).toBe('4.3 → 4.4');
    expect(kafkaHostService(h, facts('4.4\n'), undefined).finalizePending).toBeNull();
    expect(kafkaHostService(h, facts(undefined), undefined).finalizePending).toBeNull();
  });
});

describe('a Java too old for the target release', () => {
  const yaml = (kafka: string) => `cluster: c\njava: { install: never }\nhosts:\n  - { address: 10.214.1.10, roles: [kafka] }\n  - { address: 10.214.1.11, roles: [kafka] }\n  - { address: 10.214.1.12, roles: [kafka] }\nkafka: ${kafka}\n`;
  const plan = (kafka: string, javaVersion: string) => {
    const inv = parseInventory(yaml(kafka), '/srv/inv/inventory.yml', inventorySections);
    const ctx = { inv, host: inv.hosts[0]!, releases: new Map(), templateOverrideDir: '/nonexistent' };
    const f = new Facts();
    for (const p of javaRole.probes(ctx)) {
      if (p.key === 'os') f.set(p.key, p.parse('id=debian\ninit=systemd\nhas=apt-get\nhas=systemctl'));
      else f.set(p.key, p.parse(`path=/usr/bin/java\nopenjdk version "${javaVersion}" 2023-07-18\n`));
    }
    return javaRole.plan(ctx, f).find((s) => s.id === 'java.ensure')!.outcome;
  };
  it('Kafka 4 needs Java 17: an upgrade from 3.9 on a Java 11 host is refused with the reason (java.install: never)', () => {
    expect(plan('{ mode: kraft, version: 3.9.2 }', '11.0.20')).toMatchObject({ kind: 'ok' });
    const o = plan('{ mode: kraft, version: 4.4.0 }', '11.0.20');
    expect(o.kind).toBe('blocked');
    expect(o.kind === 'blocked' && o.reason).toMatch(/^Java 11\.0\.20 is older than 17\. Install Java 17 on 10\.214\.1\.10 \(e\.g\. apt-get install openjdk-17-jre-headless\)/);
    expect(plan('{ mode: kraft, version: 4.4.0 }', '17.0.15')).toMatchObject({ kind: 'ok' });
  });
});
