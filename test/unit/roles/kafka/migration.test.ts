/**
 * zkk migrate's phase logic (pure): the layouts read from server.properties, the phase and the
 * next step from them and ZooKeeper's /migration znode, the refusals (deploy over ZooKeeper-mode
 * hosts, a step the hosts are past, finalize too early), and what every step renders: the
 * prepare step leaves the brokers' files byte-identical (no restart), the finalize renders
 * exactly what a plain KRaft deploy would.
 */
import { describe, expect, it } from 'vitest';
import { Facts } from '../../../../src/facts/gather.js';
import { javaProbe, pathProbe } from '../../../../src/facts/probes.js';
import { parseInventory } from '../../../../src/inventory/load.js';
import type { Inventory } from '../../../../src/inventory/resolve.js';
import { inventorySections } from '../../../../src/roles/all-roles.js';
import { kafkaHosts, renderKafkaFiles } from '../../../../src/roles/kafka/config.js';
import { brokerLayout, chooseRollbackStep, chooseStep, controllerLayout, describePhases, migrationState, parseMigrationZnode, rollbackInstructions, type MigrationObservation } from '../../../../src/roles/kafka/migration.js';
import { decisionDetail, parseDecisionDetail, settleMigration } from '../../../../src/roles/kafka/migration-layout.js';
import { metaProbe } from '../../../../src/roles/kafka/identities.js';

const BROKERS = [11, 12, 13];
const CONTROLLERS = [21, 22, 23];
const zkInventory = () =>
  parseInventory(
    'cluster: m\nkafka: { mode: zookeeper, version: 3.9.2 }\nhosts:\n' + BROKERS.map((n) => `  - { name: k${n}, address: 10.213.0.${n}, roles: [zookeeper, kafka] }\n`).join(''),
    'm.yml',
    inventorySections,
  );
const kraftInventory = (extra = '') =>
  parseInventory(
    `cluster: m\nkafka: { mode: kraft, version: 3.9.2${extra} }\nhosts:\n` +
      BROKERS.map((n) => `  - { name: k${n}, address: 10.213.0.${n}, roles: [zookeeper, kafka] }\n`).join('') +
      CONTROLLERS.map((n) => `  - { name: c${n}, address: 10.213.0.${n}, roles: [kafka-controller] }\n`).join(''),
    'm.yml',
    inventorySections,
  );

const serverProperties = (inv: Inventory, name: string) => renderKafkaFiles(inv, kafkaHosts(inv).find((h) => h.name === name)!).serverProperties;

/** Facts as the hosts would show them: server.properties per host (undefined: none) and the 3.9.2 install link. */
function factsOf(inv: Inventory, files: Record<string, string | undefined>): Map<number, Facts> {
  return new Map(
    kafkaHosts(inv).map((h) => {
      const f = new Facts();
      const content = files[h.name];
      f.set(pathProbe(`${h.kafka.confDir}/server.properties`).key, content === undefined ? { kind: 'missing' } : { kind: 'file', owner: 'root', group: 'kafka', mode: '0644', size: content.length, mtime: 0, sha256: 'x', content });
      f.set(pathProbe(h.kafka.installDir).key, { kind: 'link', target: `${h.kafka.installDir}_2.13-3.9.2`, mtime: 0 });
      return [h.index, f];
    }),
  );
}

const names = { brokers: BROKERS.map((n) => `k${n}`), controllers: CONTROLLERS.map((n) => `c${n}`) };
const obs = (b: MigrationObservation['brokers'][number]['layout'][], c: MigrationObservation['controllers'][number]['layout'][], znode: MigrationObservation['znode'] = undefined): MigrationObservation => ({
  brokers: b.map((layout, i) => ({ host: names.brokers[i]!, layout })),
  controllers: c.map((layout, i) => ({ host: names.controllers[i]!, layout })),
  znode,
});
const DONE = { kraftControllerId: 21, kraftMetadataOffset: 42 };

describe('layouts read from server.properties', () => {
  it('broker: none, ZooKeeper mode, with the migration, KRaft', () => {
    expect(brokerLayout(undefined)).toBe('absent');
    expect(brokerLayout('broker.id=1\nzookeeper.connect=a:2181/kafka\n')).toBe('zk');
    expect(brokerLayout('broker.id=1\nzookeeper.metadata.migration.enable=true\n')).toBe('zk-migrating');
    expect(brokerLayout('broker.id=1\nzookeeper.metadata.migration.enable = false\n')).toBe('zk');
    expect(brokerLayout('process.roles=broker\nnode.id=1\n')).toBe('kraft');
  });
  it('controller: none, in migration mode, final', () => {
    expect(controllerLayout(undefined)).toBe('absent');
    expect(controllerLayout('broker.id=4\n')).toBe('absent');
    expect(controllerLayout('process.roles=controller\nzookeeper.metadata.migration.enable=true\n')).toBe('migrating');
    expect(controllerLayout('process.roles=controller\n')).toBe('final');
  });
  it('/migration znode: the copy is done once kraft_metadata_offset > 0', () => {
    expect(parseMigrationZnode('{"version":0,"kraft_controller_id":21,"kraft_controller_epoch":1,"kraft_metadata_offset":57,"kraft_metadata_epoch":1}')).toEqual({ kraftControllerId: 21, kraftMetadataOffset: 57 });
    expect(parseMigrationZnode('not json')).toBeUndefined();
  });
});

describe('phase and next step from the hosts', () => {
  const cases: [string, MigrationObservation, string, string | undefined][] = [
    ['nothing done', obs(['zk', 'zk', 'zk'], ['absent', 'absent', 'absent']), 'zookeeper-mode', 'prepare'],
    ['one controller provisioned (a killed prepare)', obs(['zk', 'zk', 'zk'], ['migrating', 'absent', 'absent']), 'preparing', 'prepare'],
    ['controllers provisioned', obs(['zk', 'zk', 'zk'], ['migrating', 'migrating', 'migrating']), 'controllers-ready', 'migrate-metadata'],
    ['brokers half rolled (a killed phase 2)', obs(['zk-migrating', 'zk', 'zk'], ['migrating', 'migrating', 'migrating']), 'migrating-metadata', 'migrate-metadata'],
    ['all rolled, copy not recorded yet', obs(['zk-migrating', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], { kraftControllerId: 21, kraftMetadataOffset: -1 }), 'migrating-metadata', 'migrate-metadata'],
    ['all rolled, ZooKeeper unreadable', obs(['zk-migrating', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], null), 'migrating-metadata', 'migrate-metadata'],
    ['metadata migrated', obs(['zk-migrating', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], DONE), 'dual-write', 'brokers-kraft'],
    ['one broker KRaft', obs(['kraft', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], DONE), 'brokers-to-kraft', 'brokers-kraft'],
    ['every broker KRaft', obs(['kraft', 'kraft', 'kraft'], ['migrating', 'migrating', 'migrating'], DONE), 'ready-to-finalize', 'finalize'],
    ['finalize half done', obs(['kraft', 'kraft', 'kraft'], ['final', 'migrating', 'migrating'], DONE), 'ready-to-finalize', 'finalize'],
    ['finalized', obs(['kraft', 'kraft', 'kraft'], ['final', 'final', 'final'], DONE), 'kraft', undefined],
  ];
  it.each(cases)('%s', (_what, o, phase, step) => {
    const s = migrationState(o);
    expect(s.phase).toBe(phase);
    expect(s.step).toBe(step);
  });
  it('a controller out of migration mode while brokers are still ZooKeeper mode is refused', () => {
    expect(() => migrationState(obs(['zk-migrating', 'zk-migrating', 'kraft'], ['final', 'migrating', 'migrating'], DONE))).toThrow(/keep zookeeper.metadata.migration.enable|still in ZooKeeper mode/);
  });
  it('a broker host without Kafka is refused (migrate the running cluster first)', () => {
    expect(() => migrationState(obs(['zk', 'zk', 'absent'], ['absent', 'absent', 'absent']))).toThrow(/k13 has no Kafka configuration/);
  });
});

describe('the step a run renders', () => {
  const ready = obs(['kraft', 'kraft', 'kraft'], ['migrating', 'migrating', 'migrating'], DONE);
  it('continue never finalizes: it stops before it', () => {
    expect(chooseStep(ready, migrationState(ready), { action: 'continue' })).toBeUndefined();
    expect(chooseStep(ready, migrationState(ready), { action: 'finalize' })).toBe('finalize');
  });
  it('--finalize before every broker runs KRaft is refused', () => {
    const o = obs(['kraft', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], DONE);
    expect(() => chooseStep(o, migrationState(o), { action: 'finalize' })).toThrow(/not ready/);
  });
  it('a confirmed step the hosts are past is refused (nothing rolls back by itself)', () => {
    const o = obs(['kraft', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], DONE);
    expect(() => chooseStep(o, migrationState(o), { action: 'continue', step: 'migrate-metadata' })).toThrow(/already past it/);
  });
  it('a confirmed step beyond where the cluster is (the copy not done yet) is refused', () => {
    const o = obs(['zk-migrating', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], undefined);
    expect(() => chooseStep(o, migrationState(o), { action: 'continue', step: 'brokers-kraft' })).toThrow(/asked, but the cluster is at/);
  });
  it('re-running the confirmed step (resume) is allowed', () => {
    const o = obs(['zk-migrating', 'zk', 'zk'], ['migrating', 'migrating', 'migrating']);
    expect(chooseStep(o, migrationState(o), { action: 'continue', step: 'migrate-metadata' })).toBe('migrate-metadata');
  });
  it('the phases list marks what is done and what is next; rollback steps follow upstream', () => {
    const lines = describePhases(migrationState(obs(['zk-migrating', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], DONE)));
    expect(lines[0]).toMatch(/^done +phase 1\/5/);
    expect(lines[1]).toMatch(/^done +phase 2\/5/);
    expect(lines[2]).toMatch(/^next +phase 3\/5/);
    expect(rollbackInstructions('dual-write', 'inv.yml').join('\n')).toMatch(/zkk migrate inv.yml --rollback.*delete ZooKeeper \/controller \(if KRaft holds it\) and \/migration/);
    expect(rollbackInstructions('ready-to-finalize', 'inv.yml')).toEqual([expect.stringMatching(/--rollback/), expect.stringMatching(/^rollback 1\/2: roll the KRaft brokers back to ZooKeeper mode with the migration still enabled/), expect.stringMatching(/^rollback 2\/2: stop and remove the KRaft controllers/)]);
    expect(rollbackInstructions('kraft', 'inv.yml').join('')).toMatch(/no way back/);
  });
  it('the plan step detail reads back', () => {
    const d = { state: migrationState(ready), step: undefined };
    expect(parseDecisionDetail(decisionDetail(d))).toEqual({ phase: 'ready-to-finalize', summary: d.state.summary });
    const e = { state: migrationState(obs(['zk', 'zk', 'zk'], ['absent', 'absent', 'absent'])), step: 'prepare' as const };
    expect(parseDecisionDetail(decisionDetail(e))).toMatchObject({ phase: 'zookeeper-mode', step: 'prepare' });
  });
});

describe('what each step renders (settleMigration)', () => {
  const zk = zkInventory();
  const zkFiles = Object.fromEntries(names.brokers.map((n) => [n, serverProperties(zk, n)]));
  const inv = kraftInventory();
  const settle = (files: Record<string, string | undefined>, intent?: Parameters<typeof settleMigration>[2]) => settleMigration(inv, factsOf(inv, files), intent);

  it('zkk deploy with the KRaft inventory over ZooKeeper-mode hosts is refused and points to zkk migrate', () => {
    expect(() => settle(zkFiles)).toThrow(/zkk deploy does not move a live ZooKeeper-mode cluster to KRaft/);
    try {
      settle(zkFiles);
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
      expect((e as { hint: string }).hint).toMatch(/zkk migrate/);
    }
  });
  it('a fresh KRaft inventory (nothing on the hosts) is not refused', () => {
    expect(settle({}).inv).toBe(inv);
  });

  it('prepare: brokers byte-identical (no restart), controllers in migration mode with ZooKeeper and the brokers\' listener', () => {
    const r = settle(zkFiles, { intent: { action: 'continue' }, znode: undefined });
    expect(r.decision).toMatchObject({ step: 'prepare', state: { phase: 'zookeeper-mode' } });
    for (const n of names.brokers) expect(serverProperties(r.inv, n)).toBe(zkFiles[n]);
    const c = serverProperties(r.inv, 'c21');
    expect(c).toContain('process.roles=controller');
    expect(c).toContain('node.id=4');
    expect(c).toContain('controller.quorum.voters=4@10.213.0.21:9093,5@10.213.0.22:9093,6@10.213.0.23:9093');
    expect(c).toContain('zookeeper.metadata.migration.enable=true');
    expect(c).toContain('zookeeper.connect=10.213.0.11:2181,10.213.0.12:2181,10.213.0.13:2181/kafka');
    expect(c).toContain('inter.broker.listener.name=PLAINTEXT');
    expect(c).toContain('listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT');
  });

  const controllerFiles = (r: ReturnType<typeof settle>) => Object.fromEntries(names.controllers.map((n) => [n, serverProperties(r.inv, n)]));
  const prepared = settle(zkFiles, { intent: { action: 'continue' }, znode: undefined });
  const afterPrepare = { ...zkFiles, ...controllerFiles(prepared) };

  it('migrate metadata: brokers stay ZooKeeper mode (broker.id, zookeeper.connect) with the migration and the controller quorum', () => {
    const r = settle(afterPrepare, { intent: { action: 'continue' }, znode: undefined });
    expect(r.decision?.step).toBe('migrate-metadata');
    const b = serverProperties(r.inv, 'k12');
    expect(b).toContain('broker.id=2');
    expect(b).not.toContain('process.roles');
    expect(b).toContain('zookeeper.connect=10.213.0.11:2181,10.213.0.12:2181,10.213.0.13:2181/kafka');
    expect(b).toContain('zookeeper.metadata.migration.enable=true');
    expect(b).toContain('controller.quorum.voters=4@10.213.0.21:9093,5@10.213.0.22:9093,6@10.213.0.23:9093');
    expect(b).toContain('controller.listener.names=CONTROLLER');
    expect(b).toContain('listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT');
    expect(b).toContain('listeners=PLAINTEXT://10.213.0.12:9092\n');
    for (const n of names.controllers) expect(serverProperties(r.inv, n)).toBe(afterPrepare[n]);
  });

  it('brokers to KRaft (after the copy): process.roles=broker, node.id = broker.id, no ZooKeeper; controllers unchanged', () => {
    const migrating = settle(afterPrepare, { intent: { action: 'continue' }, znode: undefined });
    const files = { ...afterPrepare, ...Object.fromEntries(names.brokers.map((n) => [n, serverProperties(migrating.inv, n)])) };
    const notYet = settle(files, { intent: { action: 'continue' }, znode: { kraftControllerId: 4, kraftMetadataOffset: -1 } });
    expect(notYet.decision?.step).toBe('migrate-metadata');
    const r = settle(files, { intent: { action: 'continue' }, znode: { kraftControllerId: 4, kraftMetadataOffset: 99 } });
    expect(r.decision).toMatchObject({ step: 'brokers-kraft', state: { phase: 'dual-write' } });
    const b = serverProperties(r.inv, 'k13');
    expect(b).toContain('process.roles=broker');
    expect(b).toContain('node.id=3');
    expect(b).not.toContain('broker.id');
    expect(b).not.toContain('zookeeper');
    for (const n of names.controllers) expect(serverProperties(r.inv, n)).toBe(afterPrepare[n]);
  });

  it('finalize renders exactly what a plain KRaft deploy renders; continue renders no change when ready', () => {
    const plain = Object.fromEntries([...names.brokers, ...names.controllers].map((n) => [n, serverProperties(inv, n).replace(/node\.id=\d+/, '')]));
    const migrating = settle(afterPrepare, { intent: { action: 'continue' }, znode: undefined });
    const files1 = { ...afterPrepare, ...Object.fromEntries(names.brokers.map((n) => [n, serverProperties(migrating.inv, n)])) };
    const kraftBrokers = settle(files1, { intent: { action: 'continue' }, znode: DONE });
    const ready = { ...files1, ...Object.fromEntries(names.brokers.map((n) => [n, serverProperties(kraftBrokers.inv, n)])) };
    const stay = settle(ready, { intent: { action: 'continue' }, znode: DONE });
    expect(stay.decision).toMatchObject({ step: undefined, state: { phase: 'ready-to-finalize' } });
    for (const n of [...names.brokers, ...names.controllers]) expect(serverProperties(stay.inv, n)).toBe(ready[n]);
    // a plain deploy would take the controllers out of migration mode: refused, pointing to --finalize
    expect(() => settleMigration(inv, factsOf(inv, ready), undefined)).toThrow(expect.objectContaining({ hint: expect.stringMatching(/zkk migrate <inventory> --finalize/) }));
    const fin = settle(ready, { intent: { action: 'finalize' }, znode: DONE });
    expect(fin.decision?.step).toBe('finalize');
    for (const n of names.controllers) {
      const f = serverProperties(fin.inv, n);
      expect(f).not.toContain('zookeeper');
      expect(f.replace(/node\.id=\d+/, '')).toBe(plain[n]);
    }
    for (const n of names.brokers) expect(serverProperties(fin.inv, n)).toBe(ready[n]);
  });

  it('the target must be KRaft 3.9 with dedicated controllers and a static quorum, without security: (not migrated yet)', () => {
    const dyn = kraftInventory(', quorum: dynamic');
    expect(() => settleMigration(dyn, factsOf(dyn, zkFiles), { intent: { action: 'continue' }, znode: undefined })).toThrow(/static controller quorum/);
    const secured = parseInventory(
      'cluster: m\nkafka: { mode: kraft, version: 3.9.2 }\nsecurity: { tls: { mode: generate }, sasl: { adminPassword: { env: PW } } }\nhosts:\n' +
        BROKERS.map((n) => `  - { name: k${n}, address: 10.213.0.${n}, roles: [zookeeper, kafka] }\n`).join('') +
        CONTROLLERS.map((n) => `  - { name: c${n}, address: 10.213.0.${n}, roles: [kafka-controller] }\n`).join(''),
      'm.yml',
      inventorySections,
    );
    expect(() => settleMigration(secured, factsOf(secured, zkFiles), { intent: { action: 'continue' }, znode: undefined })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/security: .* is not migrated by zkk yet/) }));
  });
  it('a broker with inter.broker.protocol.version pinned below 3.9 is refused (finish the upgrade first)', () => {
    const pinned = { ...zkFiles, k11: zkFiles.k11!.replace('broker.id=1\n', 'broker.id=1\ninter.broker.protocol.version=3.8\n') };
    expect(() => settle(pinned, { intent: { action: 'continue' }, znode: undefined })).toThrow(/inter.broker.protocol.version=3.8/);
  });
  it('a new controller on a Java older than 17 is refused before the prepare, with the way out; 17 passes', () => {
    const withJava = (feature: number) => {
      const f = factsOf(inv, zkFiles);
      for (const h of kafkaHosts(inv)) f.get(h.index)!.set(javaProbe().key, { path: '/usr/bin/java', version: `${feature}.0.2`, feature: h.name === 'c22' ? feature : 17 });
      return f;
    };
    const intent = { intent: { action: 'continue' as const }, znode: undefined };
    expect(() => settleMigration(inv, withJava(11), intent)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/new KRaft controllers need Java 17 .*: c22: Java 11\.0\.2$/), hint: expect.stringMatching(/java\.minVersion: 17/) }));
    expect(settleMigration(inv, withJava(17), intent).decision?.step).toBe('prepare');
    // Java not read (no fact): not judged here
    expect(settleMigration(inv, factsOf(inv, zkFiles), intent).decision?.step).toBe('prepare');
  });
});

describe('zkk migrate --rollback: the step from the hosts', () => {
  const step = (o: MigrationObservation, confirmed?: Parameters<typeof chooseRollbackStep>[2]) => chooseRollbackStep(o, migrationState(o), confirmed);
  it('KRaft brokers go back first (the controllers still serve them), then the controllers go', () => {
    expect(step(obs(['kraft', 'kraft', 'kraft'], ['migrating', 'migrating', 'migrating'], DONE))).toBe('rollback-brokers');
    expect(step(obs(['zk-migrating', 'kraft', 'kraft'], ['migrating', 'migrating', 'migrating'], DONE))).toBe('rollback-brokers');
    expect(step(obs(['zk-migrating', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], DONE))).toBe('rollback-controllers');
    // resumed: some controllers gone, some brokers already plain ZooKeeper mode
    expect(step(obs(['zk', 'zk-migrating', 'zk-migrating'], ['absent', 'absent', 'migrating'], undefined))).toBe('rollback-controllers');
    expect(step(obs(['zk', 'zk', 'zk'], ['absent', 'absent', 'absent'], DONE))).toBe('rollback-controllers');
    // phase 1 only (controllers provisioned, brokers untouched): the controllers go, no broker restarts
    expect(step(obs(['zk', 'zk', 'zk'], ['migrating', 'absent', 'absent'], undefined))).toBe('rollback-controllers');
  });
  it('nothing left: brokers plain ZooKeeper mode, no controller, no /migration', () => {
    expect(step(obs(['zk', 'zk', 'zk'], ['absent', 'absent', 'absent'], undefined))).toBeUndefined();
  });
  it('refused: a finalized cluster; KRaft brokers whose controllers are gone; a confirmed step the hosts moved past', () => {
    expect(() => step(obs(['kraft', 'kraft', 'kraft'], ['final', 'final', 'final'], DONE))).toThrow(/finalized; there is no way back/);
    expect(() => step(obs(['kraft', 'zk-migrating', 'zk-migrating'], ['absent', 'migrating', 'migrating'], DONE))).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/k11 run KRaft while the controllers c21 have no configuration/) }));
    expect(() => step(obs(['zk-migrating', 'zk-migrating', 'zk-migrating'], ['migrating', 'migrating', 'migrating'], DONE), 'rollback-brokers')).toThrow(/rollback step rollback-brokers asked/);
  });
});

describe('zkk migrate --rollback: what each step renders', () => {
  const zk = zkInventory();
  const zkFiles = Object.fromEntries(names.brokers.map((n) => [n, serverProperties(zk, n)]));
  const inv = kraftInventory();
  const settle = (files: Record<string, string | undefined>, intent?: Parameters<typeof settleMigration>[2]) => settleMigration(inv, factsOf(inv, files), intent);
  const prepared = settle(zkFiles, { intent: { action: 'continue' }, znode: undefined });
  const afterPrepare = { ...zkFiles, ...Object.fromEntries(names.controllers.map((n) => [n, serverProperties(prepared.inv, n)])) };
  const migrating = settle(afterPrepare, { intent: { action: 'continue' }, znode: undefined });
  const dualWrite = { ...afterPrepare, ...Object.fromEntries(names.brokers.map((n) => [n, serverProperties(migrating.inv, n)])) };
  const kraftBrokers = settle(dualWrite, { intent: { action: 'continue' }, znode: DONE });
  const ready = { ...dualWrite, ...Object.fromEntries(names.brokers.map((n) => [n, serverProperties(kraftBrokers.inv, n)])) };
  const rollback = { intent: { action: 'rollback' as const }, znode: DONE };

  it('rollback 1/2 renders the brokers exactly as in dual-write (ZooKeeper mode with the migration); controllers unchanged', () => {
    const r = settle(ready, rollback);
    expect(r.decision?.step).toBe('rollback-brokers');
    for (const n of names.brokers) expect(serverProperties(r.inv, n)).toBe(dualWrite[n]);
    for (const n of names.controllers) expect(serverProperties(r.inv, n)).toBe(ready[n]);
  });
  it('rollback 2/2 renders the brokers exactly as before the migration; the controllers are deprovisioned', () => {
    const r = settle(dualWrite, rollback);
    expect(r.decision?.step).toBe('rollback-controllers');
    for (const n of names.brokers) expect(serverProperties(r.inv, n)).toBe(zkFiles[n]);
    for (const h of kafkaHosts(r.inv).filter((x) => x.name.startsWith('c'))) expect(h.kafka.migration).toMatchObject({ deprovision: true, migrating: false });
    for (const h of kafkaHosts(r.inv).filter((x) => x.name.startsWith('k'))) expect(h.kafka.migration?.deprovision).toBeUndefined();
  });
  it('after the rollback: nothing to do; the ZooKeeper-mode inventory is refused while a broker still runs the migration', () => {
    expect(settle(zkFiles, { intent: { action: 'rollback' }, znode: undefined }).decision).toMatchObject({ step: undefined, state: { phase: 'zookeeper-mode' } });
    expect(settleMigration(zk, factsOf(zk, zkFiles), undefined).inv).toBe(zk);
    const mid = { ...zkFiles, k12: dualWrite.k12 };
    expect(() => settleMigration(zk, factsOf(zk, mid), undefined)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/k12 \(ZooKeeper mode with the migration enabled\)/), hint: expect.stringMatching(/--rollback/) }));
    expect(() => settleMigration(zk, factsOf(zk, { ...zkFiles, k13: ready.k13 }), undefined)).toThrow(/k13 \(KRaft\)/);
  });
  it('a new attempt refuses controllers that still hold KRaft storage from the last one', () => {
    const f = factsOf(inv, zkFiles);
    const c = kafkaHosts(inv).find((h) => h.name === 'c22')!;
    f.get(c.index)!.set(metaProbe(c.kafka.logDirs[0]!).key, { kind: 'file', owner: 'kafka', group: 'kafka', mode: '0644', size: 10, mtime: 0, sha256: 'x', content: 'version=1\nnode.id=5\n' });
    expect(() => settleMigration(inv, f, { intent: { action: 'continue' }, znode: undefined })).toThrow(expect.objectContaining({ message: expect.stringMatching(/earlier attempt: c22: .*\/meta.properties/), hint: expect.stringMatching(/zkk-rolled-back/) }));
  });
});
