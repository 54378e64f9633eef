/**
 * The roles' plans on faked facts, as plan --commands lists them: a fresh host yields
 * only values (commands, uploads), the stale-config step yields the handler's restart,
 * a foreign KRaft log dir is blocked at plan time, and a zoo.cfg / server.properties
 * holding a password is 0640 root:<service group> with its values masked.
 */
import { describe, expect, it } from 'vitest';
import { Facts } from '../../../src/facts/gather.js';
import type { Probe } from '../../../src/facts/probes.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { actionListing } from '../../../src/ops/action-listing.js';
import type { LocalRelease } from '../../../src/ops/archive.js';
import type { Step } from '../../../src/ops/operation.js';
import { newClusterId } from '../../../src/roles/kafka/cluster-id.js';
import { kafkaRole, prepareKafka } from '../../../src/roles/kafka/kafka-role.js';
import type { HostContext, Role } from '../../../src/roles/role.js';
import { zookeeperRole } from '../../../src/roles/zookeeper/zookeeper-role.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rel = (fileName: string): LocalRelease => ({ localPath: `/cache/${fileName}`, fileName, sha512: 'e'.repeat(128) });
const releases = new Map([['zookeeper', rel('apache-zookeeper-3.8.4-bin.tar.gz')], ['kafka', rel('kafka_2.13-3.9.2.tgz')]]);

/** A fresh Debian host with systemd: nothing of ours on it. `over` sets facts by probe key. */
function freshFacts(role: Role, ctx: HostContext, over: Record<string, unknown> = {}): Facts {
  const f = new Facts();
  for (const p of role.probes(ctx) as Probe<unknown>[]) {
    if (p.key in over) f.set(p.key, over[p.key]);
    else if (p.key === 'os') f.set(p.key, p.parse('id=debian\ninit=systemd\nhas=apt-get\nhas=systemctl\nhas=useradd\nhas=runuser'));
    else if (p.key === 'firewall') f.set(p.key, { kind: 'none' });
    else if (p.key.startsWith('user:') || p.key.startsWith('group:')) f.set(p.key, { exists: false });
    else if (p.key.startsWith('path:')) f.set(p.key, { kind: 'missing' });
    else if (p.key.startsWith('release:')) f.set(p.key, 'absent');
    else if (p.key.startsWith('service-enabled:')) f.set(p.key, { enabled: false });
    else if (p.key.startsWith('process:')) f.set(p.key, { running: false });
    else if (p.key.startsWith('zookeeper-4lw:')) f.set(p.key, p.parse('zkk: no answer'));
    else if (p.key.startsWith('zookeeper-data:')) f.set(p.key, '0');
    else if (p.key.startsWith('zookeeper-dynamic-files:') || p.key.startsWith('zookeeper-conf:')) f.set(p.key, p.parse(''));
    else if (p.key.startsWith('zookeeper-hand:') || p.key.startsWith('kafka-hand:')) f.set(p.key, p.parse(''));
    else throw new Error(`unexpected probe ${p.key}`);
  }
  return f;
}

const listed = (steps: Step[]) => Object.fromEntries(steps.map((s) => [s.id, s.outcome.kind === 'change' ? s.outcome.actions.map(actionListing) : s.outcome.kind]));

function setup(yaml: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-plan-'));
  const file = path.join(dir, 'inventory.yml');
  writeFileSync(file, yaml);
  const inv = parseInventory(yaml, file, inventorySections);
  const host = inv.hosts[0]!;
  const ctx: HostContext = { inv, host, releases, templateOverrideDir: '/nonexistent' };
  return { inv, host, ctx, dir };
}

describe('ZooKeeper role plan', () => {
  const zkYaml = (extra = '') => `cluster: c\nhosts:\n  - { name: zk1, address: 10.214.1.11, roles: [zookeeper] }\nzookeeper: { version: 3.8.4${extra} }\n`;

  it('a fresh host: every step yields commands or uploads, none runs anything itself', () => {
    const { ctx } = setup(zkYaml());
    const steps = zookeeperRole.plan(ctx, freshFacts(zookeeperRole, ctx));
    const cmds = listed(steps);
    expect(cmds['zookeeper.release']![0]).toMatch(/^upload \/cache\/apache-zookeeper-3\.8\.4-bin\.tar\.gz -> \/var\/cache\/zkk\/apache-zookeeper-3\.8\.4-bin\.tar\.gz \(sha512 eeee/);
    expect(cmds['zookeeper.myid']![0]).toContain('runuser -u zookeeper');
    expect(cmds['zookeeper.service-file']!.at(-1)).toBe('systemctl daemon-reload');
    expect(cmds['zookeeper.enable']).toEqual(['systemctl daemon-reload && systemctl enable zookeeper']);
    expect(cmds['zookeeper.start']).toEqual(['systemctl start zookeeper']);
    expect(cmds['zookeeper.config-current']).toBe('ok');
    // no file body is listed
    expect(JSON.stringify(cmds)).not.toMatch(/tickTime|initLimit/);
  });

  it('zoo.cfg without secrets: 0644 root:root; with a password in extraConfig: 0640 root:zookeeper, masked', () => {
    const plain = setup(zkYaml());
    const plainCfg = zookeeperRole.plan(plain.ctx, freshFacts(zookeeperRole, plain.ctx)).find((s) => s.id === 'zookeeper.render-zoo-cfg')!;
    expect(plainCfg.outcome.kind === 'change' && actionListing(plainCfg.outcome.actions[0]!)).toMatch(/chown root:root "\$t"\nchmod 0644 "\$t"/);

    const secret = setup(zkYaml(', extraConfig: { ssl.quorum.keyStore.password: "pa55-w0rd", ssl.quorum.keyStore.location: /etc/zookeeper/q.jks }'));
    const cfg = zookeeperRole.plan(secret.ctx, freshFacts(zookeeperRole, secret.ctx)).find((s) => s.id === 'zookeeper.render-zoo-cfg')!;
    if (cfg.outcome.kind !== 'change') throw new Error(cfg.outcome.kind);
    expect(actionListing(cfg.outcome.actions[0]!)).toMatch(/chown root:zookeeper "\$t"\nchmod 0640 "\$t"/);
    expect(cfg.outcome.diff).toContain('+ssl.quorum.keyStore.password=***');
    expect(cfg.outcome.diff).toContain('+ssl.quorum.keyStore.location=/etc/zookeeper/q.jks');
    expect(JSON.stringify(cfg.outcome.actions.map(actionListing)) + cfg.outcome.diff).not.toContain('pa55-w0rd');
    // the real value is still what is written
    expect(cfg.outcome.actions[0]!.kind === 'exec' && cfg.outcome.actions[0]!.stdin).toContain('ssl.quorum.keyStore.password=pa55-w0rd');
  });

  it('a running server with stale config: the step yields the handler\'s restart', () => {
    const { ctx } = setup(zkYaml());
    const file = { kind: 'file', owner: 'root', group: 'root', mode: '0644', size: 1, mtime: 200, sha256: 'x' };
    const f = freshFacts(zookeeperRole, ctx, { 'path:/etc/zookeeper/zoo.cfg': file });
    const proc = zookeeperRole.probes(ctx).find((p) => p.key.startsWith('process:'))!;
    f.set(proc.key, { running: true, pid: 9, startedAt: 100 });
    const step = zookeeperRole.plan(ctx, f).find((s) => s.id === 'zookeeper.config-current')!;
    expect(step.outcome.kind === 'change' && step.outcome.actions).toEqual([{ kind: 'restart', handler: 'zookeeper.restart', command: expect.objectContaining({ display: 'systemctl restart zookeeper' }) }]);
  });

  const hand = { at: 'install', dataDir: '/usr/local/zookeeper/data', dataLogDir: '/usr/local/zookeeper/logs', clientPort: 2181, servers: [{ id: 1, host: '10.214.1.11', quorumPort: 3188, electionPort: 3288 }], myid: 1, snapshots: 1, dataPending: true, pids: [4242] };
  const handFacts = (ctx: HostContext, h: object = hand) => freshFacts(zookeeperRole, ctx, { 'zookeeper-hand:/usr/local/zookeeper': h, 'path:/usr/local/zookeeper': { kind: 'dir', owner: 'root', group: 'root', mode: '0755' } });

  it('a hand-built server at installDir: nothing started beside it; the take-over is one restart action for converge (the quorum gate)', () => {
    const { ctx } = setup(zkYaml());
    const steps = zookeeperRole.plan(ctx, handFacts(ctx));
    const by = Object.fromEntries(steps.map((s) => [s.id, s.outcome]));
    expect(by['zookeeper.install-link']!.kind).toBe('ok');
    expect(by['zookeeper.start']).toEqual({ kind: 'ok', reason: 'started by zookeeper.adopt, one server at a time' });
    const adopt = by['zookeeper.adopt']!;
    if (adopt.kind !== 'change') throw new Error(adopt.kind);
    expect(adopt.actions.map((a) => a.kind)).toEqual(['restart']);
    expect(adopt.summary).toBe(
      'take over the hand-built server: myid 1 kept, ports 2181/3188/3288 kept; stop its hand-started process (pid 4242); keep /usr/local/zookeeper as the backup /usr/local/zookeeper.pre-zkk; ' +
        'move its snapshots /usr/local/zookeeper.pre-zkk/data/version-2 into /var/lib/zookeeper/version-2 (moved, never deleted); move its transaction logs /usr/local/zookeeper.pre-zkk/logs/version-2 into /var/lib/zookeeper/version-2 (moved, never deleted); ' +
        'link /usr/local/zookeeper -> /usr/local/zookeeper-3.8.4; start the zookeeper service',
    );
  });

  it('a hand-built server zkk cannot take over as the inventory says: blocked, with the inventory line to write', () => {
    const { ctx } = setup(zkYaml(', clientPort: 2182'));
    const steps = zookeeperRole.plan(ctx, handFacts(ctx));
    expect(steps.map((s) => [s.id, s.outcome.kind])).toEqual([['zookeeper.adopt', 'blocked']]);
    expect(steps[0]!.outcome.kind === 'blocked' && steps[0]!.outcome.hint).toBe('set zookeeper.clientPort: 2181 in the inventory (clients keep connecting there)');
  });
});

describe('Kafka role plan', () => {
  const kYaml = (extra = '') => `cluster: c\nhosts:\n  - { name: k1, address: 10.214.1.21, roles: [kafka] }\nkafka: { version: 3.9.2${extra} }\n`;

  it('KRaft, fresh host, plan without a cluster id file: format is listed with the id to be generated', async () => {
    const { inv, ctx } = setup(kYaml());
    ctx.prepared = await prepareKafka(inv, 'plan');
    const cmds = listed(kafkaRole.plan(ctx, freshFacts(kafkaRole, ctx)));
    expect(cmds['kafka.format-storage']![0]).toMatch(/^runuser -u kafka -- env KAFKA_HEAP_OPTS=-Xmx256m LOG_DIR=\/var\/log\/kafka \/usr\/local\/kafka\/bin\/kafka-storage\.sh format --cluster-id=<cluster-id-generated-at-deploy> -c \/etc\/kafka\/server\.properties --ignore-formatted/);
  });

  // seed post 003: broker.id, listeners, log.dirs under the install dir, zookeeper.connect, the rest of the stock sample
  const seedProps = { 'broker.id': '0', listeners: 'PLAINTEXT://10.214.1.21:9092', 'num.network.threads': '3', 'log.dirs': '/usr/local/kafka/logs', 'num.partitions': '1', 'offsets.topic.replication.factor': '1', 'log.retention.hours': '168', 'zookeeper.connect': '10.214.1.21:2181', 'group.initial.rebalance.delay.ms': '0' };
  const handBroker = { at: 'install', configDir: 'config', props: seedProps, logDirs: [{ path: '/usr/local/kafka/logs', meta: { brokerId: 0, clusterId: 'Xyz' }, left: 7 }], pids: [5151] };
  const zkModeYaml = (extra = '') => `cluster: c\nhosts:\n  - { name: k1, address: 10.214.1.21, roles: [zookeeper, kafka] }\nzookeeper: { version: 3.8.4 }\nkafka: { version: 3.9.2, mode: zookeeper${extra} }\n`;
  const handKafkaFacts = (ctx: HostContext, h: object = handBroker) => freshFacts(kafkaRole, ctx, { 'kafka-hand:/usr/local/kafka': h, 'path:/usr/local/kafka': { kind: 'dir', owner: 'root', group: 'root', mode: '0755' } });

  it('a broker built by hand at /usr/local/kafka: nothing started beside it; the take-over is one restart action for converge (the roll gates), and plan says what it keeps where', async () => {
    const { inv, ctx } = setup(zkModeYaml(', zookeeperChroot: ""'));
    ctx.prepared = await prepareKafka(inv, 'plan');
    const steps = kafkaRole.plan(ctx, handKafkaFacts(ctx));
    const by = Object.fromEntries(steps.map((s) => [s.id, s.outcome]));
    expect(by['kafka.install-link']).toMatchObject({ kind: 'ok', reason: expect.stringContaining('kept as /usr/local/kafka.pre-zkk') });
    expect(by['kafka.start']).toEqual({ kind: 'ok', reason: 'started by kafka.adopt, one broker at a time' });
    const adopt = by['kafka.adopt']!;
    if (adopt.kind !== 'change') throw new Error(adopt.kind);
    expect(adopt.actions.map((a) => a.kind)).toEqual(['restart']);
    expect(adopt.summary).toBe(
      'take over the hand-built broker: broker.id 0 kept, listener port 9092 kept, zookeeper.connect 10.214.1.21:2181 kept; ' +
        "the inventory's values replace the hand file's num.partitions=1 (→ 3); stop its hand-started process (pid 5151; SIGTERM, a controlled shutdown, waited for); keep /usr/local/kafka as the backup /usr/local/kafka.pre-zkk; " +
        "move its data /usr/local/kafka.pre-zkk/logs into /var/lib/kafka/data (moved, never deleted; Kafka's own log files stay in the backup); " +
        'link /usr/local/kafka -> /usr/local/kafka_2.13-3.9.2; start the kafka service',
    );
  });

  it('a broker built by hand zkk cannot take over as the inventory says: blocked with the line to write (chroot, port, settings the inventory does not carry)', async () => {
    const blockedBy = async (extra: string, h: object = handBroker) => {
      const { inv, ctx } = setup(zkModeYaml(extra));
      ctx.prepared = await prepareKafka(inv, 'plan');
      const steps = kafkaRole.plan(ctx, handKafkaFacts(ctx, h));
      expect(steps.map((s) => [s.id, s.outcome.kind])).toEqual([['kafka.adopt', 'blocked']]);
      return steps[0]!.outcome as { reason: string; hint: string };
    };
    expect((await blockedBy('')).hint).toBe('set kafka.zookeeperChroot: "" in the inventory');
    expect((await blockedBy(', zookeeperChroot: "", port: 9094')).hint).toBe('set kafka.port: 9092 in the inventory (clients keep connecting there)');
    const custom = await blockedBy(', zookeeperChroot: ""', { ...handBroker, props: { ...seedProps, 'message.max.bytes': '5000000', 'num.io.threads': '16' } });
    expect(custom.reason).toContain('sets message.max.bytes=5000000, num.io.threads=16, which the inventory does not say');
    expect(custom.hint).toContain('"message.max.bytes": "5000000", "num.io.threads": "16"');
    // carried by extraConfig: taken over
    const { inv, ctx } = setup(zkModeYaml(', zookeeperChroot: "", extraConfig: { message.max.bytes: 5000000, num.io.threads: 16 }'));
    ctx.prepared = await prepareKafka(inv, 'plan');
    expect(kafkaRole.plan(ctx, handKafkaFacts(ctx, { ...handBroker, props: { ...seedProps, 'message.max.bytes': '5000000', 'num.io.threads': '16' } })).find((s) => s.id === 'kafka.adopt')!.outcome.kind).toBe('change');
  });

  it('an id starting with "-" reaches kafka-storage as the value of --cluster-id=, not as an option', async () => {
    const { inv, ctx, dir } = setup(kYaml());
    writeFileSync(path.join(dir, 'c.kafka-cluster-id'), '-DlU5iSY6vPQpzNCMyVFEQ\n');
    ctx.prepared = await prepareKafka(inv, 'deploy');
    expect(listed(kafkaRole.plan(ctx, freshFacts(kafkaRole, ctx)))['kafka.format-storage']![0]).toContain(' format --cluster-id=-DlU5iSY6vPQpzNCMyVFEQ -c ');
    for (let i = 0; i < 2000; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('a log dir of another cluster is blocked at plan time, with what to do', async () => {
    const { inv, ctx, dir } = setup(kYaml());
    writeFileSync(path.join(dir, 'c.kafka-cluster-id'), 'AAAAAAAAAAAAAAAAAAAAAA\n');
    ctx.prepared = await prepareKafka(inv, 'plan');
    const meta = { kind: 'file', owner: 'kafka', group: 'kafka', mode: '0644', size: 1, mtime: 1, sha256: 'x', content: 'cluster.id=BBBBBBBBBBBBBBBBBBBBBB\nnode.id=1\n' };
    const dataDir = inv.hosts[0]!.kafka!.logDirs[0]!;
    const steps = kafkaRole.plan(ctx, freshFacts(kafkaRole, ctx, { [`path:${dataDir}/meta.properties`]: meta }));
    expect(steps.find((s) => s.id === 'kafka.format-storage')!.outcome).toEqual({
      kind: 'blocked',
      reason: `${dataDir}/meta.properties has cluster.id=BBBBBBBBBBBBBBBBBBBBBB, but this inventory's cluster id is AAAAAAAAAAAAAAAAAAAAAA. zkk never formats over another cluster's data`,
      hint: 'restore the right cluster id file, or empty that directory yourself',
    });
  });

  it('zkk upgrade finalize on a host still running the old release (after a rollback): the feature step asks nothing, the roll is what is pending', async () => {
    const { inv, ctx } = setup(kYaml().replace('3.9.2', '4.4.0'));
    ctx.releases = new Map([['kafka', rel('kafka_2.13-4.4.0.tgz')]]);
    ctx.prepared = { ...(await prepareKafka(inv, 'plan', { finalize: true })) };
    expect(ctx.prepared).toMatchObject({ finalize: true });
    const over: Record<string, unknown> = { 'path:/usr/local/kafka': { kind: 'link', target: '/usr/local/kafka_2.13-4.3.1', mtime: 1 } };
    // what the 4.3.1 tools answer for the 4.4 level
    for (const p of kafkaRole.probes(ctx) as Probe<unknown>[]) if (p.key.startsWith('kafka-features:')) over[p.key] = p.parse("Feature: metadata.version\tSupportedMinVersion: 3.3-IV3\tSupportedMaxVersion: 4.3-IV0\tFinalizedVersionLevel: 4.3-IV0\tEpoch: 5\n---zkk-mapping---\nUnknown metadata.version '4.4'.");
    expect(Object.keys(over).some((k) => k.startsWith('kafka-features:'))).toBe(true);
    const steps = kafkaRole.plan(ctx, freshFacts(kafkaRole, ctx, over));
    expect(steps.find((s) => s.id === 'kafka.features')!.outcome).toEqual({ kind: 'ok', reason: 'after the binary roll: this host runs 4.3.1, the inventory says 4.4.0' });
    expect(steps.find((s) => s.id === 'kafka.install-link')!.outcome.kind).toBe('change');
  });

  it('server.properties with a SASL JAAS config: 0640 root:kafka, the value masked in the diff', async () => {
    const { inv, ctx } = setup(kYaml(', extraConfig: { sasl.jaas.config: "org.apache.kafka.common.security.plain.PlainLoginModule required password=\\"t0p\\";" }'));
    ctx.prepared = await prepareKafka(inv, 'plan');
    const step = kafkaRole.plan(ctx, freshFacts(kafkaRole, ctx)).find((s) => s.id === 'kafka.render-server-properties')!;
    if (step.outcome.kind !== 'change') throw new Error(step.outcome.kind);
    expect(actionListing(step.outcome.actions[0]!)).toMatch(/chown root:kafka "\$t"\nchmod 0640 "\$t"/);
    expect(step.outcome.diff).toContain('+sasl.jaas.config=***');
    expect(step.outcome.diff).not.toContain('t0p');
  });
});
