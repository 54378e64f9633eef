/**
 * How the Kafka block resolves for each kafka host, and the rules only Kafka knows: the
 * mode and version cluster-wide and compatible, node ids unique, the KRaft controllers
 * (dedicated kafka-controller hosts, else the first three brokers), replication
 * settings the broker count can satisfy.
 */
import { removedSettings } from './upgrade.js';
import { z } from 'zod';
import type { HostInput } from '../../inventory/schema.js';
import type { InventorySection, SectionContext } from '../../inventory/section.js';
import { checkUniqueIds, evenQuorumWarning } from '../../inventory/rules.js';
import { jvmFlagTokens } from '../../inventory/fields.js';
import { ZOOKEEPER_ROLE } from '../zookeeper/inventory-section.js';
import { kafkaDefaults } from './defaults.js';
import { settleIds } from '../stable-ids.js';
import { kafkaSchema, type KafkaInput, type KafkaMode, type ResolvedKafka } from './settings.js';
import { pinnedAgentSha512 } from './metrics-agent.js';
import { CLUSTER_RESOURCE_NAME } from './access.js';
import { securityDefaults } from '../security/defaults.js';

export const KAFKA_BROKER_ROLE = 'kafka';
export const KAFKA_CONTROLLER_ROLE = 'kafka-controller';

const kafkaOf = (h: HostInput) => h.kafka as KafkaInput | undefined;
const brokerIdOf = (h: HostInput) => h.brokerId as number | undefined;
const major = (version: string) => Number(version.split('.')[0]);
const minor = (version: string) => Number(version.split('.')[1]);

type Member = { host: HostInput; index: number };

export const kafkaInventorySection: InventorySection<ResolvedKafka> = {
  key: 'kafka',
  hostRoles: [
    { name: KAFKA_BROKER_ROLE, description: 'kafka (a broker; in kraft mode the first 3 are also controllers)' },
    { name: KAFKA_CONTROLLER_ROLE, description: 'kafka-controller (dedicated KRaft controller)' },
  ],
  schema: kafkaSchema,
  hostFields: {
    brokerId: z.number().int().min(0).optional().describe('Kafka broker.id / node.id (default: the id in the host\'s meta.properties, else the lowest free one); refused when it contradicts meta.properties'),
  },
  resolve(ctx) {
    const block = (ctx.block ?? {}) as KafkaInput;
    const members = ctx.hostsWith(KAFKA_BROKER_ROLE, KAFKA_CONTROLLER_ROLE);
    const brokers = ctx.hostsWith(KAFKA_BROKER_ROLE);
    const mode: KafkaMode = block.mode ?? (block.version && major(block.version) >= 4 ? 'kraft' : ctx.hostsWith(ZOOKEEPER_ROLE).length > 0 ? 'zookeeper' : 'kraft');
    const version = block.version ?? (mode === 'kraft' ? kafkaDefaults.versionKraft : kafkaDefaults.versionZookeeperMode);
    checkModeAndVersion(ctx, mode, version, members.length > 0);
    checkNodeIds(ctx, members);
    checkMetricsAgent(ctx, block);
    checkUsersAndAcls(ctx, block, mode, members.length > 0);
    const controllers = kraftControllers(ctx, mode, members, brokers);
    const out = new Map<number, ResolvedKafka>();
    const ids = provisionalNodeIds(members);
    const removedSeen = new Set<string>();
    members.forEach(({ host, index }, position) => {
      const processRoles: ResolvedKafka['processRoles'] = [];
      if (host.roles.includes(KAFKA_BROKER_ROLE)) processRoles.push('broker');
      if (mode === 'kraft' && controllers.has(host)) processRoles.push('controller');
      const k = resolveHost(ctx, host, { mode, version, brokers: brokers.length, nodeId: ids[position]!, nodeIdAsked: brokerIdOf(host), processRoles });
      checkReplication(ctx, k, brokers.length);
      for (const r of removedSettings(version, Object.keys(k.extraConfig)))
        if (!removedSeen.has(r.key)) {
          removedSeen.add(r.key);
          ctx.fail(['kafka', 'extraConfig', r.key], `Kafka ${version} has no setting ${r.key} (removed in 4.0)`, r.hint);
        }
      out.set(index, k);
    });
    return out;
  },
  ports: (k) => [
    ...(k.processRoles.includes('broker') ? [{ port: k.port, what: 'kafka.port' }] : []),
    ...(k.processRoles.includes('controller') ? [{ port: k.controllerPort, what: 'kafka.controllerPort' }] : []),
    ...(k.metrics ? [{ port: k.metricsPort, what: 'kafka.metricsPort' }] : []),
  ],
  directories: (k) => ({
    data: k.logDirs.map((path, i) => ({ path, what: `kafka.logDirs[${i}]` })),
    install: [{ path: k.installDir, what: 'kafka.installDir' }],
  }),
  javaMinVersion: (k) => (major(k.version) >= 4 ? 17 : undefined),
};

function resolveHost(
  ctx: SectionContext,
  host: HostInput,
  given: Pick<ResolvedKafka, 'mode' | 'version' | 'nodeId' | 'nodeIdAsked' | 'processRoles'> & { brokers: number },
): ResolvedKafka {
  const merged = ctx.layered(kafkaDefaults, host) as Omit<typeof kafkaDefaults, 'jvmFlags'> & Pick<KafkaInput, 'release' | 'advertisedHost' | 'version' | 'jvmFlags'>;
  const { versionZookeeperMode: _zkModeVersion, versionKraft: _kraftVersion, mode: _mode, version: _version, defaultReplicationFactor, minInsyncReplicas, release, advertisedHost, jvmFlags, metricsAgent, ...rest } = merged;
  const { version: agentVersion, ...agentSource } = metricsAgent;
  return {
    ...rest,
    metrics: ctx.metricsEnabled,
    metricsAgent: { version: agentVersion, ...ctx.release(agentSource) },
    jvmFlags: jvmFlagTokens(jvmFlags ?? '').join(' '),
    mode: given.mode,
    version: given.version,
    release: ctx.release(release),
    advertisedHost: advertisedHost ?? host.address,
    defaultReplicationFactor: defaultReplicationFactor ?? Math.max(1, Math.min(3, given.brokers)),
    minInsyncReplicas: minInsyncReplicas ?? (given.brokers >= 3 ? 2 : 1),
    nodeId: given.nodeId,
    nodeIdAsked: given.nodeIdAsked,
    processRoles: given.processRoles,
  };
}

/**
 * kafka.users and kafka.acls: cluster-wide, with security: (KRaft's StandardAuthorizer or ZooKeeper
 * mode's AclAuthorizer), user names unique and not zkk's admin user, no resource
 * name for cluster, one for the other types.
 */
function checkUsersAndAcls(ctx: SectionContext, block: KafkaInput, mode: KafkaMode, anyKafkaHost: boolean): void {
  ctx.input.hosts.forEach((h, i) => {
    for (const key of ['users', 'acls'] as const)
      if (kafkaOf(h)?.[key]) ctx.fail(['hosts', i, 'kafka', key], `kafka.${key} is cluster-wide`, 'set it under the top-level kafka: block');
  });
  const users = block.users ?? [];
  const acls = block.acls ?? [];
  if (!anyKafkaHost || (users.length === 0 && acls.length === 0)) return;
  const key = users.length > 0 ? 'users' : 'acls';
  const security = ctx.input.security as { sasl?: { adminUser?: string } } | undefined;
  if (!security) return ctx.fail(['kafka', key], `kafka.${key} needs security: (SASL_SSL listeners and the authorizer)`, 'add a security: block with sasl.adminPassword');
  const admin = security.sasl?.adminUser ?? securityDefaults.sasl.adminUser;
  const seen = new Set<string>();
  users.forEach((u, i) => {
    if (u.name === admin) ctx.fail(['kafka', 'users', i, 'name'], `${u.name} is zkk's admin user (security.sasl.adminUser), managed by zkk already`, 'give the application its own user');
    else if (seen.has(u.name)) ctx.fail(['kafka', 'users', i, 'name'], `user ${u.name} is listed twice`);
    seen.add(u.name);
  });
  acls.forEach((a, i) => {
    if (a.resourceType === 'cluster' && a.name !== undefined && a.name !== CLUSTER_RESOURCE_NAME) ctx.fail(['kafka', 'acls', i, 'name'], `the cluster resource has no name of its own (Kafka calls it ${CLUSTER_RESOURCE_NAME})`, 'remove name');
    if (a.resourceType !== 'cluster' && a.name === undefined) ctx.fail(['kafka', 'acls', i, 'name'], `an ACL on a ${a.resourceType} needs name (the ${a.resourceType}, a prefix with pattern: prefixed, or "*")`);
  });
}

/** The agent's checksum must come from somewhere: Maven Central publishes no .sha512 for it. */
function checkMetricsAgent(ctx: SectionContext, block: KafkaInput): void {
  ctx.input.hosts.forEach((h, i) => {
    if (kafkaOf(h)?.metricsAgent) ctx.fail(['hosts', i, 'kafka', 'metricsAgent'], 'the metrics agent is cluster-wide (one verified jar for every node)', 'set it under the top-level kafka: block');
  });
  const a = block.metricsAgent;
  if (!ctx.metricsEnabled || !a?.version || a.sha512 || a.file || a.mirror || pinnedAgentSha512(a.version)) return;
  ctx.fail(['kafka', 'metricsAgent', 'version'], `zkk knows no SHA-512 of jmx_prometheus_javaagent ${a.version}, and Maven Central publishes none`, 'pin kafka.metricsAgent.sha512 (sha512sum of a jar you checked against Central\'s .sha1), or use the default version');
}

function checkModeAndVersion(ctx: SectionContext, mode: KafkaMode, version: string, anyKafkaHost: boolean): void {
  if (anyKafkaHost) {
    if (mode === 'zookeeper' && major(version) >= 4)
      ctx.fail(['kafka', 'version'], `Kafka ${version} has no ZooKeeper mode`, 'a ZooKeeper-mode cluster must first migrate to KRaft on 3.9 (the ZooKeeper → KRaft migration: https://kafka.apache.org/39/documentation.html#kraft_zk_migration), then upgrade to 4.x; a new cluster: use mode: kraft');
    if (mode === 'zookeeper' && ctx.hostsWith(ZOOKEEPER_ROLE).length === 0)
      ctx.fail(['hosts'], 'kafka mode is zookeeper but no host has the zookeeper role', 'add role zookeeper to 1, 3 or 5 hosts, or set kafka.mode: kraft');
    if (mode === 'kraft' && (major(version) < 3 || (major(version) === 3 && minor(version) < 3)))
      ctx.fail(['kafka', 'version'], `KRaft needs Kafka 3.3 or newer (got ${version})`);
  }
  ctx.input.hosts.forEach((h, i) => {
    if (h.roles.includes(KAFKA_CONTROLLER_ROLE) && mode !== 'kraft')
      ctx.fail(['hosts', i, 'roles'], 'kafka-controller is a KRaft role', 'set kafka.mode: kraft or remove the role');
    const own = kafkaOf(h);
    if (own?.mode || own?.version)
      ctx.fail(['hosts', i, 'kafka', own.mode ? 'mode' : 'version'], 'Kafka mode and version are cluster-wide', 'set them under the top-level kafka: block');
  });
}

function checkNodeIds(ctx: SectionContext, members: Member[]): void {
  const claims = members.flatMap(({ host, index }) => (brokerIdOf(host) !== undefined ? [{ index, id: brokerIdOf(host)!, field: 'brokerId' }] : []));
  checkUniqueIds(claims, ctx.fail, (id, first) => [
    `broker id ${id} is already used by hosts[${first}]`,
    'give every kafka host a distinct brokerId (or none: zkk keeps the id in meta.properties, or assigns the lowest free one)',
  ]);
}

/** Dedicated kafka-controller hosts, else the first min(3, n) brokers. */
function kraftControllers(ctx: SectionContext, mode: KafkaMode, members: Member[], brokers: Member[]): Set<HostInput> {
  const dedicated = members.filter((m) => m.host.roles.includes(KAFKA_CONTROLLER_ROLE));
  const chosen = dedicated.length > 0 ? dedicated : brokers.slice(0, Math.min(3, brokers.length));
  const controllers = new Set(chosen.map((m) => m.host));
  if (mode === 'kraft' && members.length > 0) {
    const even = evenQuorumWarning(controllers.size, 'KRaft controllers', 'use an odd count');
    if (even) ctx.warn(even);
  }
  return controllers;
}

function checkReplication(ctx: SectionContext, k: ResolvedKafka, brokers: number): void {
  if (k.defaultReplicationFactor > brokers && brokers > 0)
    ctx.fail(['kafka', 'defaultReplicationFactor'], `replication factor ${k.defaultReplicationFactor} is more than the ${brokers} broker(s)`);
  if (k.minInsyncReplicas > k.defaultReplicationFactor)
    ctx.fail(['kafka', 'minInsyncReplicas'], `min.insync.replicas ${k.minInsyncReplicas} is more than the replication factor ${k.defaultReplicationFactor}`, 'producers with acks=all would always fail');
}

/** Before the hosts are read: the explicit id, else the lowest free one in host order. */
function provisionalNodeIds(members: Member[]): number[] {
  const asked = members.map((m) => brokerIdOf(m.host)).filter((id) => id !== undefined);
  if (new Set(asked).size < asked.length) return members.map((_, i) => i + 1); // duplicates: already refused
  return settleIds(
    members.map(({ host, index }) => ({ host: host.name ?? host.address, index, asked: brokerIdOf(host), where: 'meta.properties' })),
    { what: 'node.id', field: 'brokerId', min: 1 },
  ).map((s) => s.id);
}
