/**
 * The inventory schema (zod). One source for validation, the editor JSON schema
 * (`zkk schema`) and the README's reference. Every key is optional where a documented
 * default exists; defaults are applied in resolve.ts (defaults < cluster < host).
 */
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const absPath = z.string().regex(/^\//, 'must be an absolute path');
const propValue = z.union([z.string(), z.number(), z.boolean()]);
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, dot, dash, underscore');

export const releaseSchema = z
  .strictObject({
    url: z.string().url().optional().describe('Base URL laid out like the Apache archive (default https://archive.apache.org/dist)'),
    mirror: z.string().optional().describe('A mirror base URL or a local directory with the Apache archive layout'),
    file: z.string().optional().describe('A local release tarball on the control node (checksum from sha512 or FILE.sha512)'),
    sha512: z.string().regex(/^[0-9a-fA-F\s]{128,}$/).optional().describe('Expected SHA-512 (hex); default: the .sha512 published beside the tarball'),
  })
  .describe('Where the release tarball comes from; it is always SHA-512 verified');

export const sshSchema = z
  .strictObject({
    user: z.string().optional().describe('Login user (default: ~/.ssh/config, then root)'),
    port: port.optional().describe('SSH port (default 22)'),
    identityFile: z.string().optional().describe('Private key file'),
    agent: z.boolean().optional().describe('Use ssh-agent ($SSH_AUTH_SOCK); default true when it is set'),
    config: z.union([z.string(), z.literal(false)]).optional().describe('ssh_config file to honour (default ~/.ssh/config); false to ignore'),
    knownHosts: z.string().optional().describe('known_hosts file (default ~/.ssh/known_hosts)'),
    hostKeyPolicy: z.enum(['strict', 'accept-new', 'off']).optional().describe('Unknown host keys: refuse (strict), record (accept-new, default), or skip checks (off)'),
    sudo: z.boolean().optional().describe('Run remote commands through sudo -n (default: when the user is not root)'),
    connectTimeout: z.number().positive().optional().describe('Seconds to wait for a connection (default 10)'),
    connectRetries: z.number().int().min(0).max(10).optional().describe('Retries of a failed connection (default 2)'),
  })
  .describe('How zkk reaches the hosts');

export const javaSchema = z
  .strictObject({
    install: z.enum(['auto', 'never']).optional().describe('Install a JDK with apt/dnf/yum when none is found (auto, default) or fail (never)'),
    minVersion: z.number().int().min(8).optional().describe('Lowest acceptable Java feature version (default 11; Kafka 4 needs 17)'),
    package: z.string().optional().describe('Package to install (default openjdk-17-jre-headless on apt, java-17-openjdk-headless on dnf/yum)'),
    archive: z.string().optional().describe('A JDK/JRE tarball (.tar.gz, one top directory) on the control node, for hosts without a package mirror: uploaded, checked and unpacked into <home>-<file name> on every host, and the services run on it (java.install and java.package do not apply)'),
    sha512: z.string().regex(/^[0-9a-fA-F\s]{128,}$/).optional().describe('Expected SHA-512 of java.archive (hex); default: ARCHIVE.sha512 beside it'),
    home: absPath.optional().describe('With java.archive: stable symlink to the unpacked JDK, the services\' JAVA_HOME, also linked as /usr/local/bin/java (default /usr/local/zkk-java)'),
  })
  .describe('The JDK the services run on');

export const firewallSchema = z
  .strictObject({
    manage: z
      .enum(['auto', 'never'])
      .optional()
      .describe('When ufw or firewalld is active on a host, open the ports its services listen on (auto, default; only missing ports are added, nothing is removed) or leave the firewall alone and report the closed ports (never). zkk never disables a firewall'),
  })
  .describe('The host firewall');

export const zookeeperSchema = z
  .strictObject({
    version: z.string().regex(/^\d+\.\d+\.\d+$/).optional().describe('ZooKeeper version (default 3.8.6)'),
    release: releaseSchema.optional(),
    installDir: absPath.optional().describe('Stable symlink to the versioned install (default /usr/local/zookeeper)'),
    confDir: absPath.optional().describe('zoo.cfg, java.env, logback.xml (default /etc/zookeeper)'),
    dataDir: absPath.optional().describe('Snapshots and myid (default /var/lib/zookeeper)'),
    dataLogDir: absPath.optional().describe('Transaction logs (default: dataDir)'),
    logDir: absPath.optional().describe('Server logs (default /var/log/zookeeper)'),
    clientPort: port.optional().describe('Client port (default 2181)'),
    quorumPort: port.optional().describe('Follower-to-leader port (default 2888; the seeds use 3188)'),
    electionPort: port.optional().describe('Leader election port (default 3888; the seeds use 3288)'),
    tickTime: z.number().int().positive().optional().describe('ms (default 2000)'),
    initLimit: z.number().int().positive().optional().describe('ticks (default 10)'),
    syncLimit: z.number().int().positive().optional().describe('ticks (default 5)'),
    maxClientCnxns: z.number().int().min(0).optional().describe('per client IP (default 60)'),
    autopurge: z
      .strictObject({ snapRetainCount: z.number().int().min(3).optional(), purgeInterval: z.number().int().min(0).optional() })
      .optional()
      .describe('Snapshot purge (default keep 3, every 24 h; 0 = off)'),
    fourLetterWords: z.array(z.string().regex(/^[a-z]{4}$|^\*$/)).optional().describe('4lw.commands.whitelist (default srvr, ruok, mntr, conf)'),
    adminServer: z.strictObject({ enabled: z.boolean().optional(), port: port.optional() }).optional().describe('Jetty AdminServer (default off)'),
    heapMb: z.number().int().min(64).optional().describe('ZK_SERVER_HEAP in MB (default 1000)'),
    jvmFlags: z.string().optional().describe('Extra SERVER_JVMFLAGS'),
    user: name.optional().describe('Service user (default zookeeper)'),
    group: name.optional().describe('Service group (default zookeeper)'),
    extraConfig: z.record(z.string(), propValue).optional().describe('Extra zoo.cfg properties, written last'),
  })
  .describe('ZooKeeper settings for every zookeeper host (a host may override them)');

export const kafkaSchema = z
  .strictObject({
    mode: z.enum(['zookeeper', 'kraft']).optional().describe('zookeeper (Kafka 3.x, as in the seeds) or kraft (default for 4.x)'),
    version: z.string().regex(/^\d+\.\d+\.\d+$/).optional().describe('Kafka version (default 3.9.2 in zookeeper mode, 4.4.0 in kraft mode)'),
    scalaVersion: z.string().regex(/^\d+\.\d+$/).optional().describe('Scala build of the release (default 2.13)'),
    release: releaseSchema.optional(),
    installDir: absPath.optional().describe('Stable symlink to the versioned install (default /usr/local/kafka)'),
    confDir: absPath.optional().describe('server.properties and log4j config (default /etc/kafka)'),
    logDirs: z.array(absPath).min(1).optional().describe('Partition data dirs (default [/var/lib/kafka/data])'),
    logDir: absPath.optional().describe('Server logs (default /var/log/kafka)'),
    port: port.optional().describe('PLAINTEXT listener port (default 9092)'),
    controllerPort: port.optional().describe('KRaft controller listener port (default 9093)'),
    advertisedHost: z.string().optional().describe('Host name clients use (default: the host address)'),
    zookeeperChroot: z.string().regex(/^(\/[^/\s]+)*$/).optional().describe('Chroot of the cluster in ZooKeeper (default /kafka; "" for none)'),
    numPartitions: z.number().int().positive().optional().describe('num.partitions (default 3)'),
    defaultReplicationFactor: z.number().int().positive().optional().describe('default.replication.factor (default min(3, brokers))'),
    minInsyncReplicas: z.number().int().positive().optional().describe('min.insync.replicas (default 2 with 3+ brokers, else 1)'),
    logRetentionHours: z.number().int().positive().optional().describe('log.retention.hours (default 168)'),
    heapMb: z.number().int().min(128).optional().describe('Heap in MB (default 1024)'),
    jvmFlags: z.string().optional().describe('Extra KAFKA_OPTS'),
    user: name.optional().describe('Service user (default kafka)'),
    group: name.optional().describe('Service group (default kafka)'),
    quorum: z.enum(['static', 'dynamic']).optional().describe('KRaft quorum: static voters (default) or dynamic (3.9+)'),
    extraConfig: z.record(z.string(), propValue).optional().describe('Extra server.properties, written last'),
  })
  .describe('Kafka settings for every kafka host (a host may override them)');

export const roleName = z.enum(['zookeeper', 'kafka', 'kafka-controller']);

export const hostSchema = z.strictObject({
  name: name.optional().describe('Short name used in output (default: the address)'),
  address: z.string().min(1).describe('IP address or DNS name zkk connects to and services advertise'),
  roles: z.array(roleName).min(1).describe('zookeeper, kafka (a broker; in kraft mode the first 3 are also controllers), kafka-controller (dedicated KRaft controller)'),
  myid: z.number().int().optional().describe('ZooKeeper myid 1-255 (default: position among the zookeeper hosts)'),
  brokerId: z.number().int().min(0).optional().describe('Kafka broker.id / node.id (default: position among the kafka hosts)'),
  ssh: sshSchema.optional(),
  zookeeper: zookeeperSchema.optional(),
  kafka: kafkaSchema.optional(),
});

export const inventorySchema = z
  .strictObject({
    cluster: name.describe('Cluster name (used for the KRaft cluster id file and in output)'),
    ssh: sshSchema.optional(),
    java: javaSchema.optional(),
    firewall: firewallSchema.optional(),
    zookeeper: zookeeperSchema.optional(),
    kafka: kafkaSchema.optional(),
    hosts: z.array(hostSchema).min(1).describe('The machines; order is stable: ids derive from it'),
  })
  .describe('A zkk inventory: what every host should be');

export type InventoryInput = z.infer<typeof inventorySchema>;
export type HostInput = z.infer<typeof hostSchema>;

/** JSON schema for editors (yaml-language-server: $schema=…). */
export function inventoryJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(inventorySchema), title: 'zkk inventory' } as Record<string, unknown>;
}
