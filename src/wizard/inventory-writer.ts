/**
 * Turn `zkk init` answers into a commented inventory (yaml Document API) and write it
 * atomically. Key comments are the inventory schema's own descriptions, so the file
 * explains itself with the same words as `zkk schema`. The result always goes through
 * parseInventory before it is written (see cli/init.ts).
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { Document, isMap, isPair, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { APACHE_ARCHIVE } from '../engine/releases.js';
import { inventorySchemas, javaSchema, releaseSchema, sshSchema } from '../inventory/schema.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { kafkaSchema } from '../roles/kafka/settings.js';
import { zookeeperSchema } from '../roles/zookeeper/settings.js';

const { host: hostSchema, inventory: inventorySchema } = inventorySchemas(inventorySections);
import { kafkaDefaults } from '../roles/kafka/defaults.js';
import { zookeeperDefaults } from '../roles/zookeeper/defaults.js';
import { adminPasswordFile, zookeeperPorts, type InitAnswers } from './answers.js';

type Obj = Record<string, unknown>;

/** The inventory as plain data (what the YAML holds). */
export function inventoryData(a: InitAnswers): Obj {
  const hosts = a.hosts.map((h, i) => {
    const roles: string[] = [];
    if (a.zookeeperHosts.includes(i)) roles.push('zookeeper');
    if (a.kafkaHosts.includes(i)) roles.push('kafka');
    return { ...(h.name ? { name: h.name } : {}), address: h.address, roles };
  });
  const ssh: Obj = { user: a.ssh.user, port: a.ssh.port };
  if (a.ssh.identityFile) ssh.identityFile = a.ssh.identityFile;
  if (a.ssh.knownHosts) ssh.knownHosts = a.ssh.knownHosts;
  if (a.ssh.sudo !== undefined) ssh.sudo = a.ssh.sudo;
  const release = (component: 'zookeeper' | 'kafka'): Obj | undefined => {
    const r = a.release;
    if (r.kind === 'mirror') return { mirror: r.mirror };
    if (r.kind === 'files') return { file: component === 'zookeeper' ? r.zookeeperFile : r.kafkaFile };
    return undefined;
  };
  const data: Obj = { cluster: a.cluster, ssh, java: { install: a.javaInstall }, hosts };
  if (a.zookeeper) {
    const zk = a.zookeeper;
    data.zookeeper = {
      version: zk.version,
      ...(release('zookeeper') ? { release: release('zookeeper') } : {}),
      installDir: zk.installDir,
      dataDir: zk.dataDir,
      ...zookeeperPorts(zk.ports),
    };
  }
  data.kafka = {
    mode: a.kafkaMode,
    version: a.kafkaVersion,
    ...(release('kafka') ? { release: release('kafka') } : {}),
    installDir: a.kafka.installDir,
    logDirs: a.kafka.dataDirs,
  };
  if (a.security) data.security = { tls: { mode: 'generate' }, sasl: { adminPassword: { file: adminPasswordFile(a.cluster) } } };
  return data;
}

/** The commented inventory text. Deterministic: the same answers give the same bytes. */
export function renderInventory(a: InitAnswers): string {
  const doc = new Document(inventoryData(a));
  const root = doc.contents as YAMLMap;
  const zkCount = a.zookeeperHosts.length;
  const kafkaCount = a.kafkaHosts.length;

  doc.commentBefore = [
    ` zkk inventory for the cluster "${a.cluster}", written by \`zkk init\`: ${a.hosts.length} host(s),`,
    a.kafkaMode === 'zookeeper'
      ? ` ${zkCount} ZooKeeper, ${kafkaCount} Kafka broker(s) in ZooKeeper mode.`
      : ` ${kafkaCount} Kafka node(s) in KRaft mode (no ZooKeeper).`,
    ' It says what every host should be; zkk makes them so and changes only what differs:',
    '   zkk validate <this file>   check it without connecting anywhere',
    '   zkk plan <this file>       show what would change, with diffs',
    '   zkk deploy <this file>     apply, restart only what changed (rolling), verify',
    ' Keys left out take zkk\'s documented defaults; `zkk schema` lists every key.',
  ].join('\n');

  describeKey(root, 'cluster', inventorySchema.shape.cluster);

  const ssh = section(root, 'ssh', [
    `${sshSchema.description} (every host; hosts[].ssh overrides per host).`,
    'Unknown host keys are recorded in knownHosts on first contact, a changed key is refused.',
  ]);
  describeKeys(ssh, sshSchema.shape);

  const java = section(root, 'java', [`${javaSchema.description}: zkk checks it on every host before installing anything.`]);
  describeKeys(java, javaSchema.shape);

  const hosts = root.get('hosts', true) as unknown as { items: YAMLMap[] };
  for (const h of hosts.items) {
    h.flow = true;
    (h.get('roles', true) as unknown as { flow: boolean }).flow = true;
  }
  section(root, 'hosts', [
    'The machines, in any order: ZooKeeper myids and Kafka broker ids are read from the hosts',
    'and kept (new hosts get the lowest free id). name is optional (default: the address).',
    `roles: ${hostSchema.shape.roles.description}.`,
    ...(a.kafkaMode === 'kraft'
      ? [`KRaft: the first ${Math.min(3, kafkaCount)} Kafka host(s) are also the controllers (the metadata quorum).`]
      : []),
  ]);

  const releaseNote = (component: 'zookeeper' | 'kafka') =>
    a.release.kind === 'apache'
      ? [
          `The ${component === 'zookeeper' ? 'ZooKeeper' : 'Kafka'} release comes from the Apache archive (${APACHE_ARCHIVE}), SHA-512 verified;`,
          'for a mirror or a local tarball add release: { mirror: URL-or-directory } or release: { file: TARBALL }.',
        ]
      : [];

  if (a.zookeeper) {
    const zk = section(root, 'zookeeper', [`${zookeeperSchema.description}.`, ...releaseNote('zookeeper')]);
    describeKeys(zk, zookeeperSchema.shape);
    describeRelease(zk);
    zk.comment = ` Also: clientPort (${zookeeperDefaults.clientPort}), heapMb (${zookeeperDefaults.heapMb}), logDir, autopurge, extraConfig (zoo.cfg) …`;
  }

  const kafka = section(root, 'kafka', [`${kafkaSchema.description}.`, ...releaseNote('kafka')]);
  describeKeys(kafka, kafkaSchema.shape);
  (kafka.get('logDirs', true) as unknown as { flow: boolean }).flow = true;
  describeRelease(kafka);
  kafka.comment = ` Also: port (${kafkaDefaults.port}), heapMb (${kafkaDefaults.heapMb}), numPartitions (${kafkaDefaults.numPartitions}), logRetentionHours (${kafkaDefaults.logRetentionHours}), extraConfig (server.properties) …`;

  if (a.security)
    section(root, 'security', [
      'Kafka secured: SASL_SSL (TLS + SCRAM-SHA-512) on every broker listener, ACLs enforced.',
      `tls: generate — a per-cluster CA and host certificates, kept beside this file in ${a.cluster}.tls/ (back it up with it).`,
      `sasl.adminPassword: the file holding zkk's admin (inter-broker) password, written by zkk init (0600); never put the password here.`,
      'Clients need the CA (ca.pem), security.protocol=SASL_SSL and a user (kafka.users); remove this block for plaintext.',
    ]);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node> | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair<Node, Node> | undefined;
}

/** A top-level block with a comment above it and a blank line before. */
function section(root: YAMLMap, key: string, comment: string[]): YAMLMap {
  const pair = pairOf(root, key)!;
  const keyNode = pair.key as Node & { commentBefore?: string; spaceBefore?: boolean };
  keyNode.commentBefore = comment.map((l) => ` ${l}`).join('\n');
  keyNode.spaceBefore = true;
  return pair.value as YAMLMap;
}

function describeKey(map: YAMLMap, key: string, schema: z.ZodType): void {
  const pair = pairOf(map, key);
  const text = schema.description;
  if (!pair || !text) return;
  (pair.key as Node & { commentBefore?: string }).commentBefore = ` ${text}`;
}

function describeKeys(map: YAMLMap, shape: Record<string, z.ZodType>): void {
  for (const key of Object.keys(shape)) if (key !== 'release') describeKey(map, key, shape[key]!);
}

function describeRelease(map: YAMLMap): void {
  const pair = pairOf(map, 'release');
  if (!pair) return;
  (pair.key as Node & { commentBefore?: string }).commentBefore = ` ${releaseSchema.description}`;
  if (isMap(pair.value)) describeKeys(pair.value, releaseSchema.shape);
}

/**
 * Write a file so that it appears whole or not at all: a temp file in the same
 * directory, renamed into place. An interrupted run (SIGINT handler exits) removes the
 * temp file on the way out.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const cleanup = () => {
    try {
      unlinkSync(tmp);
    } catch {
      /* already renamed or never written */
    }
  };
  process.once('exit', cleanup);
  try {
    await writeFile(tmp, text, { mode: 0o644, flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    process.removeListener('exit', cleanup);
  }
}
