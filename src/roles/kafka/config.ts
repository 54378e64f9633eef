/** Computed Kafka values and rendered files (pure: inventory in, text out). */
import { createHash } from 'node:crypto';
import type { Inventory, ResolvedHost, ResolvedKafka } from '../../inventory/resolve.js';
import type { ServicePort } from '../../ops/firewall.js';
import { propertyEntries, renderTemplate, type RenderOptions } from '../../render/templates.js';
import { jvmOptionTokens, jvmOptionsValue } from '../../render/jvm-options.js';
import { kafkaPidFile } from './process.js';
import { servicesJavaHome } from '../java/java-role.js';
import { zookeeperConnect, zookeeperTlsOn } from '../zookeeper/config.js';
import { metricsAgentFlag } from './metrics-agent.js';
import { zookeeperTlsProperties, nodePrincipals, securedListeners } from './security.js';

export type KafkaHost = ResolvedHost & { kafka: ResolvedKafka };

export function kafkaHosts(inv: Inventory): KafkaHost[] {
  return inv.hosts.filter((h): h is KafkaHost => !!h.kafka);
}
export const brokerHosts = (inv: Inventory) => kafkaHosts(inv).filter((h) => h.kafka.processRoles.includes('broker'));
export const controllerHosts = (inv: Inventory) => kafkaHosts(inv).filter((h) => h.kafka.processRoles.includes('controller'));

export function versionedKafkaDir(k: ResolvedKafka): string {
  return `${kafkaReleasesPrefix(k)}${k.version}`;
}

/** what every versioned Kafka dir starts with (the release follows) */
export function kafkaReleasesPrefix(k: ResolvedKafka): string {
  return `${k.installDir}_${k.scalaVersion}-`;
}

export function bootstrapServers(inv: Inventory): string[] {
  return brokerHosts(inv).map((h) => `${h.kafka.advertisedHost}:${h.kafka.port}`);
}

/** Dynamic quorum: the controllers' endpoints as the inventory has them (controller.quorum.bootstrap.servers). */
export function quorumBootstrapServers(inv: Inventory): string[] {
  return controllerHosts(inv).map((h) => `${h.address}:${h.kafka.controllerPort}`);
}

/** Stable directory id for a controller's metadata log dir (dynamic quorum formatting). */
export function controllerDirectoryId(clusterId: string, nodeId: number): string {
  return createHash('sha256').update(`${clusterId}/${nodeId}`).digest().subarray(0, 16).toString('base64url');
}

export function initialControllers(inv: Inventory, clusterId: string): string {
  return controllerHosts(inv)
    // a controller already formatted keeps the directory.id its metadata dir holds
    .map((h) => `${h.kafka.nodeId}@${h.address}:${h.kafka.controllerPort}:${h.kafka.directoryIds?.[h.kafka.logDirs[0]!] ?? controllerDirectoryId(clusterId, h.kafka.nodeId)}`)
    .join(',');
}

/**
 * Dynamic quorum: the controller.quorum.bootstrap.servers a host keeps when the controller set
 * changed. Kafka reads the list only at start, to find the quorum's leader; the voters themselves
 * live in the metadata log. So a host whose current list still names a majority of the
 * inventory's controllers keeps it (no rewrite, no restart of every node for a controller added
 * or removed); one that does not gets the inventory's list. Undefined: render the inventory's.
 */
export function keptQuorumBootstrap(currentServerProperties: string | undefined, wanted: readonly string[]): string | undefined {
  const line = currentServerProperties && /^controller\.quorum\.bootstrap\.servers=(.*)$/m.exec(currentServerProperties)?.[1]?.trim();
  if (!line || wanted.length === 0) return undefined;
  const listed = new Set(line.split(',').map((e) => e.trim()));
  const still = wanted.filter((e) => listed.has(e)).length;
  return still >= Math.floor(wanted.length / 2) + 1 && line !== wanted.join(',') ? line : undefined;
}

export interface KafkaFiles {
  /** metrics.enabled: the JMX exporter's rules */
  metricsRules?: string;
  serverProperties: string;
  initScript: string;
  systemdUnit: string;
}

export function renderKafkaFiles(inv: Inventory, host: KafkaHost, opts: RenderOptions & { ibp?: string; adminPassword?: string; quorumBootstrap?: string; nodePrincipals?: string[] } = {}): KafkaFiles {
  const k = host.kafka;
  const kraft = k.mode === 'kraft';
  const isBroker = k.processRoles.includes('broker');
  const isController = k.processRoles.includes('controller');
  const brokers = brokerHosts(inv).length;
  const listeners: string[] = [];
  if (isBroker) listeners.push(`PLAINTEXT://${host.address}:${k.port}`);
  if (kraft && isController) listeners.push(`CONTROLLER://${host.address}:${k.controllerPort}`);
  const advertised: string[] = [];
  if (isBroker) advertised.push(`PLAINTEXT://${k.advertisedHost}:${k.port}`);
  if (kraft && isController && k.quorum === 'dynamic') advertised.push(`CONTROLLER://${k.advertisedHost}:${k.controllerPort}`);
  const controllers = controllerHosts(inv);
  // zkk migrate: a ZooKeeper-mode broker with the migration talks to the KRaft quorum; a controller in migration mode to ZooKeeper
  const migrating = !!k.migration?.migrating;
  const quorum = kraft || migrating;
  const secured = host.security ? securedListeners(host, k, host.security, opts.adminPassword, kraft && k.quorum === 'dynamic', opts.nodePrincipals ?? nodePrincipals(inv, undefined)) : undefined;
  const ctx = {
    cluster: inv.cluster,
    k,
    // ZooKeeper mode during a binary roll: the protocol the not yet finalized cluster speaks
    ibp: kraft ? undefined : opts.ibp,
    kraft,
    isBroker,
    processRoles: k.processRoles,
    nodeId: k.nodeId,
    migrating,
    migrationQuorum: !kraft && migrating,
    interBrokerListener: isBroker || (kraft && migrating),
    quorumVoters: quorum && k.quorum === 'static' ? controllers.map((h) => `${h.kafka.nodeId}@${h.address}:${h.kafka.controllerPort}`).join(',') : '',
    quorumBootstrap: quorum && k.quorum === 'dynamic' ? (opts.quorumBootstrap ?? quorumBootstrapServers(inv).join(',')) : '',
    listeners: secured?.listeners ?? listeners.join(','),
    advertisedListeners: secured?.advertised ?? advertised.join(','),
    protocolMap: secured?.protocolMap ?? (quorum ? 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT' : 'PLAINTEXT:PLAINTEXT'),
    interBrokerListenerName: secured?.interBroker ?? 'PLAINTEXT',
    security: secured?.properties ?? [],
    internalRf: Math.max(1, Math.min(3, brokers)),
    internalMinIsr: Math.max(1, Math.min(2, brokers)),
    zookeeperConnect: kraft && !migrating ? '' : zookeeperConnect(inv, k.zookeeperChroot),
    // security.zookeeper.tls: to ZooKeeper's TLS port over Netty, with the host's own certificate
    zookeeperTls: (!kraft || migrating) && host.security && zookeeperTlsOn(inv) ? zookeeperTlsProperties(k) : [],
    extra: propertyEntries(k.extraConfig),
    jvmOptions: jvmOptionsValue([...jvmOptionTokens(k.jvmFlags), ...(k.metrics ? [metricsAgentFlag(k, host.address)] : [])]),
    pidFile: kafkaPidFile(k),
    startScript: `${k.installDir}/bin/kafka-server-start.sh`,
    configFile: `${k.confDir}/server.properties`,
    service: k.serviceName,
    javaHome: servicesJavaHome(inv),
    // the last broker of a ZooKeeper-mode cluster takes ~10.5 s; KRaft nodes up to minutes
    stopTimeoutTenths: 1200,
    stopTimeoutSec: 120,
  };
  return {
    ...(k.metrics ? { metricsRules: renderTemplate('kafka/jmx-exporter.yml.hbs', ctx, opts) } : {}),
    serverProperties: renderTemplate('kafka/server.properties.hbs', ctx, opts),
    initScript: renderTemplate('kafka/kafka.init.hbs', ctx, opts),
    systemdUnit: renderTemplate('kafka/kafka.service.hbs', ctx, opts),
  };
}

/** The TCP ports a Kafka node listens on: the broker listener and, on KRaft controllers, the controller listener. */
export function kafkaPorts(k: ResolvedKafka): ServicePort[] {
  return [
    ...(k.processRoles.includes('broker') ? [{ port: k.port, what: 'kafka broker' }] : []),
    ...(k.mode === 'kraft' && k.processRoles.includes('controller') ? [{ port: k.controllerPort, what: 'kafka controller' }] : []),
    ...(k.metrics ? [{ port: k.metricsPort, what: 'kafka metrics' }] : []),
  ];
}
