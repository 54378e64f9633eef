/**
 * Issue 14: `zkk migrate` moves the seeds' layout (3 hosts, each ZooKeeper + a Kafka 3.9 broker in
 * ZooKeeper mode) plus 3 new controller hosts to KRaft (KIP-866) under an acks=all producer (RF 3,
 * min ISR 2): the KRaft inventory is refused by zkk deploy/plan (exit 2, pointing to zkk migrate);
 * zkk migrate --yes runs prepare → migrate metadata → brokers to KRaft and stops before the
 * finalize, saying how to roll back; a second zkk migrate changes nothing; --finalize takes the
 * controllers out of migration mode — but first zkk migrate --rollback takes it back to plain ZooKeeper
 * mode (the ZooKeeper-mode inventory then deploys with 0 changed) and the migration runs again,
 * killed with -9 in phase 2 and with a controller host cut in phase 3, each next run continuing
 * from the hosts; a deploy after the finalize changes nothing. Checked with kafkajs,
 * ZooKeeper and the hosts' files, not zkk's output: every acknowledged message consumed back, the
 * consumer group's committed offsets and a topic config as before. Prints each phase's wall time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import zookeeper from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cut, heal, hostsDown, hostSsh, hostsUp, T, type TargetInfo } from '../e2e/target.js';
import { changedSteps, fixtureVersions, MIRROR, runZkk, whyFailed, writeLabInventory, ZKK } from '../e2e/helpers.js';
import { startProducer, type RunningProducer } from '../e2e/traffic.js';

const versions = fixtureVersions();
const BROKERS = ['k1', 'k2', 'k3'];
const CONTROLLERS = ['c1', 'c2', 'c3'];
const DATA = 'e2e-mig-data';
const TRAFFIC = 'e2e-mig-traffic';
const GROUP = 'e2e-mig-group';
const COMMITTED = [{ partition: 0, offset: '17' }, { partition: 1, offset: '23' }, { partition: 2, offset: '5' }];
let t0 = Date.now();

function zkGet(connect: string, znode: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const c = zookeeper.createClient(connect, { sessionTimeout: 10_000 });
    const timer = setTimeout(() => (c.close(), reject(new Error('no ZooKeeper session'))), 10_000);
    c.once('connected', () => {
      clearTimeout(timer);
      c.getData(znode, (e: unknown, data?: Buffer) => {
        c.close();
        if (e && /NO_NODE/.test(String(e))) resolve(undefined);
        else if (e) reject(new Error(String(e)));
        else resolve(data?.toString() ?? '');
      });
    });
    c.connect();
  });
}

/**
 * zkk migrate in the background; `until` is awaited once its output matches `at` (then the
 * caller kills it or cuts a host), and the run's end is returned.
 */
function migrateInBackground(args: string[], at: RegExp, until: (child: ReturnType<typeof spawn>) => Promise<void>): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ZKK, 'migrate', ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let fired = false;
    const onData = (b: Buffer) => {
      stdout += b.toString();
      if (!fired && at.test(stdout)) {
        fired = true;
        void until(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout }));
  });
}

describe('zkk migrate: ZooKeeper-mode Kafka 3.9 → KRaft under live traffic', () => {
  let info: TargetInfo;
  let dir: string;
  let producer: RunningProducer;
  let admin: Admin;
  let zkInv: string;
  let kraftInv: string;
  const zkConnect = () => BROKERS.map((h) => `${info.hosts.find((x) => x.name === h)!.address}:2181`).join(',') + '/kafka';
  const brokers = () => BROKERS.map((h) => `${info.hosts.find((x) => x.name === h)!.address}:9092`);
  const common = () => ({ zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } } });
  const kafka = (mode: string) => ({ mode, version: versions.kafka3, heapMb: 256, release: { mirror: MIRROR } });

  beforeAll(async () => {
    await hostsDown();
    info = await hostsUp([...BROKERS, ...CONTROLLERS]);
    t0 = Date.now(); // the test's own duration, not the wait for the lab
    dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-migrate-'));
    zkInv = writeLabInventory(info, BROKERS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })), { ...common(), kafka: kafka('zookeeper') }, mkdtempSync(path.join(dir, 'zk-')));
    kraftInv = writeLabInventory(
      info,
      [...BROKERS.map((name) => ({ name, roles: ['zookeeper', 'kafka'] })), ...CONTROLLERS.map((name) => ({ name, roles: ['kafka-controller'] }))],
      { ...common(), kafka: kafka('kraft') },
      mkdtempSync(path.join(dir, 'kraft-')),
    );
  }, T(1_900_000)); // the lab lease may be held by another session (labUp waits up to 1800 s)

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    await hostsDown();
    process.stdout.write(`migrate.test.ts: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }, T(120_000));

  it('the seeds layout in ZooKeeper mode, with data, a committed consumer group and a topic config; a producer starts', async () => {
    const r = await runZkk(['deploy', zkInv, '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    admin = new Kafka({ clientId: 'e2e-migrate-check', brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: DATA, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'retention.ms', value: '123456789' }, { name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
    const p = new Kafka({ clientId: 'e2e-migrate-data', brokers: brokers(), logLevel: logLevel.NOTHING }).producer();
    await p.connect();
    for (let part = 0; part < 3; part++) await p.send({ topic: DATA, acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ partition: part, value: `d-${part}-${i}` })) });
    await p.disconnect();
    await admin.setOffsets({ groupId: GROUP, topic: DATA, partitions: COMMITTED });
    producer = await startProducer(brokers(), TRAFFIC, { partitions: 6 });
  }, T(420_000));

  it('zkk deploy and zkk plan refuse the KRaft inventory over the ZooKeeper-mode cluster and point to zkk migrate', async () => {
    for (const cmd of ['deploy', 'plan']) {
      const r = await runZkk([cmd, kraftInv]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/zkk deploy does not move a live ZooKeeper-mode cluster to KRaft/);
      expect(r.stderr).toMatch(/next +phase 1\/5 prepare/);
      expect(r.stderr).toMatch(/zkk migrate/);
    }
    const controller = await hostSsh('c1', 'test -e /etc/kafka/server.properties && echo present || echo absent');
    expect(controller.stdout.trim()).toBe('absent');
  }, T(120_000));

  it('zkk migrate --yes: prepare, migrate metadata, brokers to KRaft; stops before the finalize with the rollback steps', async () => {
    const r = await runZkk(['migrate', kraftInv, '--yes']);
    expect(r.code, `${r.stdout.slice(-6000)}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/migration phase prepare: [\d.]+ s/);
    expect(r.stdout).toMatch(/migration phase migrate-metadata: [\d.]+ s/);
    expect(r.stdout).toMatch(/migration phase brokers-kraft: [\d.]+ s/);
    expect(r.stdout).toMatch(/To roll back to ZooKeeper mode/);
    expect(r.stdout).toMatch(/--finalize .*IRREVERSIBLE/);
    process.stdout.write(`${/phase durations: .*/.exec(r.stdout)?.[0] ?? 'no phase durations printed'}\n`);
    for (const b of BROKERS) {
      const f = await hostSsh(b, 'cat /etc/kafka/server.properties');
      expect(f.stdout).toMatch(/^process\.roles=broker$/m);
      expect(f.stdout).not.toMatch(/^zookeeper\.connect=/m);
    }
    const znode = JSON.parse((await zkGet(zkConnect(), '/migration'))!) as { kraft_metadata_offset: number };
    expect(znode.kraft_metadata_offset).toBeGreaterThan(0);
    const c = await hostSsh('c1', 'cat /etc/kafka/server.properties');
    expect(c.stdout).toMatch(/^zookeeper\.metadata\.migration\.enable=true$/m);
    expect(producer.ackedCount).toBeGreaterThan(0);
  }, T(900_000));

  it('zkk migrate again finds the cluster ready to finalize and changes nothing', async () => {
    const r = await runZkk(['migrate', kraftInv, '--yes']);
    expect(r.code, `${r.stdout.slice(-4000)}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/every broker runs KRaft/);
    expect(r.stdout).not.toMatch(/migration phase/);
    const st = await runZkk(['status', kraftInv]);
    expect(st.stdout, st.stderr).toMatch(/migration +ready-to-finalize: every broker runs KRaft.*next: zkk migrate <inventory> --finalize/);
  }, T(180_000));

  it('zkk migrate --rollback --yes: KRaft brokers back, controllers removed (data set aside), /controller and /migration cleared, brokers in plain ZooKeeper mode; the ZooKeeper-mode inventory then changes nothing', async () => {
    const t = Date.now();
    const r = await runZkk(['migrate', kraftInv, '--rollback', '--yes']);
    expect(r.code, `${r.stdout.slice(-8000)}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/migration phase rollback-brokers: [\d.]+ s/);
    expect(r.stdout).toMatch(/migration phase rollback-controllers: [\d.]+ s/);
    expect(r.stdout).toMatch(/rolled back: every broker runs ZooKeeper mode/);
    process.stdout.write(`rollback: ${((Date.now() - t) / 1000).toFixed(1)} s (${/phase durations: .*/.exec(r.stdout)?.[0] ?? 'no phase durations printed'})\n${r.stdout.split('\n').filter((l) => /ZooKeeper-mode controller|no broker claimed|UpdateMetadata|every broker has|session to expire|deleted/.test(l)).join('\n')}\n`);
    expect(r.stdout).toMatch(/every broker has the ZooKeeper-mode controller \d's metadata/);
    for (const b of BROKERS) {
      const f = await hostSsh(b, 'cat /etc/kafka/server.properties; echo ---; cat /var/lib/kafka/data/meta.properties; echo ---; ls /var/lib/kafka/data');
      const [props, meta, dirs] = f.stdout.split('---\n');
      expect(props).toMatch(/^broker\.id=\d$/m);
      expect(props).toMatch(/^zookeeper\.connect=/m);
      expect(props).not.toMatch(/process\.roles|zookeeper\.metadata\.migration|controller\.quorum/);
      expect(meta).toMatch(/^version=0$/m);
      expect(meta).toMatch(/^broker\.id=\d$/m);
      expect(dirs).not.toMatch(/__cluster_metadata/);
      expect(dirs).toMatch(new RegExp(`^${DATA}-0$`, 'm'));
    }
    for (const c of CONTROLLERS) {
      const f = await hostSsh(c, 'test -e /etc/kafka/server.properties && echo config || echo no-config; ls -d /var/lib/kafka/data.zkk-rolled-back-*/__cluster_metadata-0 | wc -l; ss -ltn | grep -c ":9093 " || true');
      expect(f.stdout.split('\n').slice(0, 3), c).toEqual(['no-config', '1', '0']);
    }
    expect(await zkGet(zkConnect(), '/migration')).toBeUndefined();
    const ctl = JSON.parse((await zkGet(zkConnect(), '/controller'))!) as Record<string, unknown>;
    expect([1, 2, 3]).toContain(ctl.brokerid);
    expect(ctl.kraftControllerEpoch ?? -1).toBe(-1); // a ZooKeeper-mode broker's (-1), not the KRaft controller's
    const zkDeploy = await runZkk(['deploy', zkInv, '--json']);
    expect(zkDeploy.code, whyFailed(zkDeploy)).toBe(0);
    expect(changedSteps(zkDeploy.report!)).toEqual([]);
    const again = await runZkk(['migrate', kraftInv, '--rollback', '--yes']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/migration phase/);
  }, T(900_000));

  it('zkk migrate again from ZooKeeper mode: killed with -9 in phase 2, a controller host cut in phase 3; each next run continues from the hosts to ready-to-finalize', async () => {
    const killed = await migrateInBackground([kraftInv, '--yes'], /phase 2\/5 migrate metadata[\s\S]*restarting Kafka node/, async (child) => {
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGKILL');
    });
    expect(killed.signal, killed.stdout.slice(-4000)).toBe('SIGKILL');
    const layouts = await Promise.all(BROKERS.map(async (b) => ((await hostSsh(b, 'grep -c "^zookeeper.metadata.migration.enable=true" /etc/kafka/server.properties || true')).stdout.trim() === '1' ? 'migrating' : 'zk')));
    process.stdout.write(`killed in phase 2: brokers ${layouts.join(', ')}\n`);
    const st = await runZkk(['status', kraftInv]);
    expect(st.stdout, st.stderr).toMatch(/migration +(controllers-ready|migrating-metadata)/);
    process.stdout.write(`zkk status mid-migration (exit ${st.code}):\n${st.stdout}\n`);
    const victim = CONTROLLERS[2]!;
    const cutRun = await migrateInBackground([kraftInv, '--yes'], /phase 3\/5 brokers to KRaft[\s\S]*restarting Kafka node/, async () => {
      await cut(victim);
    });
    process.stdout.write(`run with ${victim} cut in phase 3: exit ${cutRun.code}\n`);
    await heal(victim);
    const r = await runZkk(['migrate', kraftInv, '--yes']);
    expect(r.code, `${r.stdout.slice(-6000)}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/every broker runs KRaft/);
    for (const b of BROKERS) expect((await hostSsh(b, 'cat /etc/kafka/server.properties')).stdout).toMatch(/^process\.roles=broker$/m);
    const znode = JSON.parse((await zkGet(zkConnect(), '/migration'))!) as { kraft_metadata_offset: number };
    expect(znode.kraft_metadata_offset).toBeGreaterThan(0);
  }, T(1_500_000));

  it('zkk migrate --finalize: controllers out of migration mode; a deploy then changes nothing', async () => {
    const r = await runZkk(['migrate', kraftInv, '--finalize', '--yes']);
    expect(r.code, `${r.stdout.slice(-6000)}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/migration phase finalize: [\d.]+ s/);
    expect(r.stdout).toMatch(/ZooKeeper can now be decommissioned/);
    process.stdout.write(`${/migration phase finalize: .*/.exec(r.stdout)?.[0]}\n`);
    for (const c of CONTROLLERS) {
      const f = await hostSsh(c, 'cat /etc/kafka/server.properties');
      expect(f.stdout).toMatch(/^process\.roles=controller$/m);
      expect(f.stdout).not.toMatch(/zookeeper/);
    }
    const again = await runZkk(['deploy', kraftInv, '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(600_000));

  it('every acknowledged message consumed back; the group\'s committed offsets and the topic config as before', async () => {
    const proof = await producer.stopAndConsume();
    expect(proof.acked.length).toBeGreaterThan(100);
    expect(proof.lost).toEqual([]);
    process.stdout.write(`producer: ${proof.acked.length} acknowledged, ${proof.failed} failed sends, 0 lost\n`);
    await admin.disconnect();
    admin = new Kafka({ clientId: 'e2e-migrate-after', brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: GROUP, topics: [DATA] });
    expect(offsets[0]!.partitions.map((p) => ({ partition: p.partition, offset: p.offset })).sort((a, b) => a.partition - b.partition)).toEqual(COMMITTED);
    const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: DATA, configNames: ['retention.ms'] }] });
    expect(cfg.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms')?.configValue).toBe('123456789');
    const { topics } = await admin.fetchTopicMetadata({ topics: [DATA] });
    expect(topics[0]!.partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3)).toBe(true);
  }, T(240_000));

  it('then, as zkk says: ZooKeeper uninstalled, the zookeeper role dropped, Kafka 3.9 → 4.x rolled under a producer and finalized; 0 lost, the data kept', async () => {
    const traffic = await startProducer(brokers(), `${TRAFFIC}-upgrade`);
    const un = await runZkk(['uninstall', kraftInv, '--role', 'zookeeper', '--yes', '--json']);
    expect(un.code, whyFailed(un)).toBe(0);
    for (const h of BROKERS) expect((await hostSsh(h, 'p=$(cat /var/lib/zookeeper/zookeeper_server.pid 2>/dev/null) && [ -d /proc/$p ] && echo running || echo stopped')).stdout.trim(), h).toBe('stopped');
    const kraftOnly = (version: string) =>
      writeLabInventory(
        info,
        [...BROKERS.map((name) => ({ name, roles: ['kafka'] })), ...CONTROLLERS.map((name) => ({ name, roles: ['kafka-controller'] }))],
        { kafka: { ...kafka('kraft'), version } },
        path.dirname(kraftInv),
      );
    // the cluster without ZooKeeper, still 3.9: nothing to change
    const same = await runZkk(['deploy', kraftOnly(versions.kafka3), '--json']);
    expect(same.code, whyFailed(same)).toBe(0);
    expect(changedSteps(same.report!)).toEqual([]);
    const t = Date.now();
    const up = await runZkk(['deploy', kraftOnly(versions.kafka4), '--json']);
    expect(up.code, whyFailed(up)).toBe(0);
    const upS = (Date.now() - t) / 1000;
    const fin = await runZkk(['upgrade', 'finalize', kraftOnly(versions.kafka4), '--yes']);
    expect(fin.code, fin.stdout + fin.stderr).toBe(0);
    const again = await runZkk(['deploy', kraftOnly(versions.kafka4), '--json']);
    expect(again.code, whyFailed(again)).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
    const proof = await traffic.stopAndConsume();
    process.stdout.write(`after the migration: Kafka ${versions.kafka3} → ${versions.kafka4} roll ${upS.toFixed(1)} s; producer: ${proof.acked.length} acknowledged, ${proof.lost.length} lost\n`);
    expect(proof.acked.length).toBeGreaterThan(50);
    expect(proof.lost).toEqual([]);
    const after = new Kafka({ clientId: 'e2e-migrate-4x', brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    await after.connect();
    try {
      const offsets = await after.fetchOffsets({ groupId: GROUP, topics: [DATA] });
      expect(offsets[0]!.partitions.map((p) => ({ partition: p.partition, offset: p.offset })).sort((a, b) => a.partition - b.partition)).toEqual(COMMITTED);
    } finally {
      await after.disconnect();
    }
  }, T(900_000));
});
