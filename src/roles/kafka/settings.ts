/**
 * The Kafka block of the inventory (top level and per host): its schema with the
 * descriptions the reference and the editor schema show, and the resolved type, derived
 * from the defaults (defaults.ts) rather than written again.
 */
import { z } from 'zod';
import { absolutePathField, addressField, accountNameField, downloadUrlField, extraConfigField, jvmFlagsField, localPathField, releaseSchema, portField, sha512Field, uploadedFileField, versionField } from '../../inventory/fields.js';
import type { ReleaseSource } from '../../inventory/merge.js';
import type { KafkaDefaults } from './defaults.js';
import type { MigrationStep } from './migration.js';
import { secretSourceField } from '../security/settings.js';

export const kafkaSchema = z
  .strictObject({
    mode: z.enum(['zookeeper', 'kraft']).optional().describe('zookeeper (Kafka 3.x, as in the seeds) or kraft (default for 4.x)'),
    version: versionField.optional().describe('Kafka version (default 3.9.2 in zookeeper mode, 4.4.0 in kraft mode)'),
    scalaVersion: z.string().regex(/^\d+\.\d+$/).optional().describe('Scala build of the release (default 2.13)'),
    release: releaseSchema.optional(),
    installDir: absolutePathField.optional().describe('Stable symlink to the versioned install (default /usr/local/kafka)'),
    confDir: absolutePathField.optional().describe('server.properties and log4j config (default /etc/kafka)'),
    logDirs: z.array(absolutePathField).min(1).optional().describe('Partition data dirs (default [/var/lib/kafka/data])'),
    logDir: absolutePathField.optional().describe('Server logs (default /var/log/kafka)'),
    port: portField.optional().describe('PLAINTEXT listener port (default 9092)'),
    controllerPort: portField.optional().describe('KRaft controller listener port (default 9093)'),
    advertisedHost: addressField.optional().describe('Host name clients use (default: the host address)'),
    zookeeperChroot: z.string().regex(/^(\/(?!\.\.?(\/|$))[A-Za-z0-9._-]+)*$/, 'a ZooKeeper path like /kafka (letters, digits, dot, dash, underscore per level), or "" for none').optional().describe('Chroot of the cluster in ZooKeeper (default /kafka; "" for none)'),
    numPartitions: z.number().int().positive().optional().describe('num.partitions (default 3)'),
    defaultReplicationFactor: z.number().int().positive().optional().describe('default.replication.factor (default min(3, brokers))'),
    minInsyncReplicas: z.number().int().positive().optional().describe('min.insync.replicas (default 2 with 3+ brokers, else 1)'),
    logRetentionHours: z.number().int().positive().optional().describe('log.retention.hours (default 168)'),
    metricsPort: portField.optional().describe('With metrics.enabled: port of the Prometheus JMX exporter agent, /metrics on the host address (default 7071)'),
    metricsAgent: z
      .strictObject({
        version: versionField.optional().describe('jmx_prometheus_javaagent version (default 1.0.1)'),
        url: downloadUrlField.optional().describe('Base URL laid out like Maven Central (default https://repo1.maven.org/maven2)'),
        mirror: localPathField.optional().describe('A mirror base URL or a local directory in Maven\'s layout (io/prometheus/jmx/jmx_prometheus_javaagent/<v>/…jar)'),
        file: uploadedFileField.optional().describe('The agent jar on the control node (checksum from sha512 or FILE.sha512)'),
        sha512: sha512Field.optional().describe('Expected SHA-512 (hex); default: pinned by zkk for its default version (Maven Central publishes none), else JAR.sha512 beside it in a mirror'),
        allowInsecure: z.boolean().optional().describe('Accept an http:// url or mirror without sha512 (warned)'),
      })
      .optional()
      .describe('With metrics.enabled: where the Prometheus JMX exporter Java agent comes from; always SHA-512 verified'),
    heapMb: z.number().int().min(128).optional().describe('Heap in MB (default 1024)'),
    jvmFlags: jvmFlagsField.optional().describe('Extra KAFKA_OPTS: a list of flags, or one string split on spaces'),
    user: accountNameField.optional().describe('Service user (default kafka)'),
    group: accountNameField.optional().describe('Service group (default kafka)'),
    quorum: z.enum(['static', 'dynamic']).optional().describe('KRaft quorum: static voters (default) or dynamic (3.9+)'),
    extraConfig: extraConfigField.optional().describe('Extra server.properties, written last'),
    users: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'letters, digits and _ . @ - (at most 64)').describe('The SCRAM-SHA-512 user name (its principal is User:<name>)'),
          password: secretSourceField.describe("The user's password: { file: PATH } or { env: NAME } (never the inventory text)"),
        }),
      )
      .optional()
      .describe('KRaft with security: SCRAM-SHA-512 users zkk creates (and removes again when no longer listed, if zkk created them); cluster-wide'),
    acls: z
      .array(
        z.strictObject({
          principal: z.string().regex(/^User:[^;\s][^;]*$/, 'User:<name> (a SCRAM user, or a certificate DN like User:CN=app)').describe('Who: User:<scram user>, or User:<certificate DN> for a TLS client'),
          resourceType: z.enum(['topic', 'group', 'cluster', 'transactionalId']).describe('What kind of resource: topic, group, cluster or transactionalId'),
          name: z.string().min(1).optional().describe('The resource name (or prefix with pattern: prefixed); "*" for all; not for cluster'),
          pattern: z.enum(['literal', 'prefixed']).optional().describe('literal (default): the name exactly; prefixed: every resource whose name starts with it'),
          operations: z.array(z.enum(['all', 'read', 'write', 'create', 'delete', 'alter', 'describe', 'clusterAction', 'describeConfigs', 'alterConfigs', 'idempotentWrite'])).min(1).describe('Operations allowed or denied, e.g. [read, write, describe]'),
          permission: z.enum(['allow', 'deny']).optional().describe('allow (default) or deny'),
          host: z.string().regex(/^(\*|[0-9A-Fa-f.:]+)$/, '* or an IP address').optional().describe('The client address it applies to (default *: any)'),
        }),
      )
      .optional()
      .describe('KRaft with security: ACL bindings zkk creates (and removes again when no longer listed, if zkk created them); cluster-wide'),
  })
  .describe('Kafka settings for every kafka host (a host may override them)');

export type KafkaInput = z.infer<typeof kafkaSchema>;
export type KafkaMode = 'zookeeper' | 'kraft';

/** Defaults that only choose other values (the version per mode) do not reach a host. */
type ChoosingDefaults = 'versionZookeeperMode' | 'versionKraft' | 'mode' | 'defaultReplicationFactor' | 'minInsyncReplicas';

export type ResolvedKafka = Omit<KafkaDefaults, ChoosingDefaults> & {
  mode: KafkaMode;
  version: string;
  release: ReleaseSource;
  advertisedHost: string;
  defaultReplicationFactor: number;
  minInsyncReplicas: number;
  /** Settled by deploy/plan from meta.properties (provisional until then: the explicit one or the lowest free). */
  nodeId: number;
  /** The explicit brokerId of the inventory, if any. */
  nodeIdAsked?: number;
  /** KRaft directory.id per log dir, as meta.properties holds it (settled by deploy/plan; absent when not formatted). */
  directoryIds?: Record<string, string>;
  /** metrics.enabled: the JMX exporter agent serves metricsPort. */
  metrics: boolean;
  /** KRaft process.roles for this host. */
  processRoles: ('broker' | 'controller')[];
  /**
   * `zkk migrate` (set from the hosts by settleFromFacts): the step this run renders. A broker
   * still in ZooKeeper mode has mode 'zookeeper' meanwhile; `migrating` adds the migration
   * settings (zookeeper.metadata.migration.enable with the controller quorum on a broker, with
   * zookeeper.connect on a controller); `deprovision` (a controller in the rollback): stopped and
   * removed, its metadata set aside.
   */
  migration?: { step: MigrationStep; migrating: boolean; deprovision?: boolean };
};

declare module '../../inventory/section.js' {
  interface RoleSettingsByKey {
    kafka: ResolvedKafka;
  }
}
