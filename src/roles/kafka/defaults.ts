/**
 * Kafka role defaults — the one place they live, with upstream's default beside each
 * where zkk differs. Replication defaults that depend on the broker count are computed
 * in the role (min(3, brokers)), never left at upstream's 3 on a 1-broker cluster.
 */
import type { KafkaAclInput } from './access.js';

export const kafkaDefaults = {
  /** ZooKeeper mode needs 3.9.x (the last line with it); KRaft defaults to 4.x. */
  versionZookeeperMode: '3.9.2',
  versionKraft: '4.4.0',
  scalaVersion: '2.13',
  /** 'zookeeper' (as in the seeds, Kafka 3.x only) or 'kraft' (Kafka 4 has no ZooKeeper). Unset: from the version. */
  mode: undefined as 'zookeeper' | 'kraft' | undefined,
  installDir: '/usr/local/kafka',
  confDir: '/etc/kafka',
  /** Partition data (upstream: /tmp/kafka-logs — never under /tmp or the install dir). */
  logDirs: ['/var/lib/kafka/data'],
  /** Server logs, kafkaServer.out (upstream: <install>/logs). */
  logDir: '/var/log/kafka',
  port: 9092,
  controllerPort: 9093,
  /** ZooKeeper mode: chroot under which the cluster's znodes live (upstream: none). */
  zookeeperChroot: '/kafka',
  numPartitions: 3,
  /** Unset: min(3, brokers). */
  defaultReplicationFactor: undefined as number | undefined,
  /** Unset: 2 when there are 3+ brokers, else 1. */
  minInsyncReplicas: undefined as number | undefined,
  logRetentionHours: 168,
  /** With metrics.enabled: the port of the Prometheus JMX exporter agent (/metrics on the host address). */
  metricsPort: 7071,
  /** With metrics.enabled: the JMX exporter Java agent, from Maven Central (a mirror in Maven's layout, or a local jar). */
  metricsAgent: { version: '1.0.1' } as { version: string; url?: string; mirror?: string; file?: string; sha512?: string; allowInsecure?: boolean },
  /** KAFKA_HEAP_OPTS -Xmx/-Xms in MB (upstream kafka-server-start.sh: 1G). */
  heapMb: 1024,
  jvmFlags: '',
  user: 'kafka',
  group: 'kafka',
  serviceName: 'kafka',
  /** KRaft quorum style: 'static' (controller.quorum.voters) or 'dynamic' (controller.quorum.bootstrap.servers, 3.9+). */
  quorum: 'static' as 'static' | 'dynamic',
  extraConfig: {} as Record<string, string | number | boolean>,
  /** KRaft with security: SCRAM users zkk manages (none by default). */
  users: [] as { name: string; password: { file?: string; env?: string } }[],
  /** KRaft with security: ACL bindings zkk manages (none by default; the authorizer denies what no ACL allows). */
  acls: [] as KafkaAclInput[],
};

export type KafkaDefaults = typeof kafkaDefaults;
