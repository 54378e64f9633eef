/**
 * `zkk topic create|list|describe|alter|delete` — the seeds' kafka-topics commands,
 * against the inventory's cluster over the Kafka admin protocol (bootstrap servers from
 * the inventory's brokers, or --bootstrap-server).
 */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import { routeControlNet } from '../engine/connect-host.js';
import { loadInventory } from '../inventory/load.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { bootstrapServers } from '../roles/kafka/config.js';
import { withAdmin } from '../roles/kafka/client.js';
import { prepareKafkaSecurity } from '../roles/kafka/security.js';
import { table } from '../ui/table.js';
import type { Admin } from 'kafkajs';

export interface TopicFlags {
  bootstrapServer?: string;
  partitions?: string;
  replicationFactor?: string;
  config?: string[];
  json?: boolean;
}

async function admin<T>(file: string, flags: TopicFlags, fn: (a: Admin) => Promise<T>): Promise<T> {
  const inv = await loadInventory(file, inventorySections);
  const brokers = flags.bootstrapServer ? flags.bootstrapServer.split(',') : bootstrapServers(inv);
  if (brokers.length === 0) throw new ZkkError('USAGE', `${file} has no kafka hosts`, { exitCode: ExitCode.usage, hint: 'give some hosts the kafka role, or pass --bootstrap-server' });
  routeControlNet(inv.hosts); // brokers behind a bastion: through it
  await prepareKafkaSecurity(inv, false); // security: TLS + SCRAM as zkk's admin
  try {
    return await withAdmin(brokers, fn);
  } catch (e) {
    if (e instanceof ZkkError) throw e;
    const err = e as Error & { type?: string };
    throw new ZkkError('KAFKA', `${err.type ? `${err.type}: ` : ''}${err.message}`, { hint: `brokers tried: ${brokers.join(', ')}` });
  }
}

const int = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ZkkError('USAGE', `${flag} must be a positive integer`, { exitCode: ExitCode.usage });
  return n;
};

function configEntries(list: string[] | undefined): { name: string; value: string }[] {
  return (list ?? []).map((kv) => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new ZkkError('USAGE', `--config takes key=value, got "${kv}"`, { exitCode: ExitCode.usage });
    return { name: kv.slice(0, i), value: kv.slice(i + 1) };
  });
}

export async function topicCreate(file: string, name: string, flags: TopicFlags): Promise<void> {
  const partitions = int(flags.partitions, '--partitions');
  const replicationFactor = int(flags.replicationFactor, '--replication-factor');
  const created = await admin(file, flags, (a) =>
    a.createTopics({ topics: [{ topic: name, numPartitions: partitions ?? -1, replicationFactor: replicationFactor ?? -1, configEntries: configEntries(flags.config) }], waitForLeaders: true }),
  );
  if (!created) throw new ZkkError('TOPIC_EXISTS', `topic ${name} already exists`, { hint: `zkk topic describe ${file} ${name}` });
  process.stdout.write(`created topic ${name}\n`);
}

export async function topicList(file: string, flags: TopicFlags): Promise<void> {
  const names = (await admin(file, flags, (a) => a.listTopics())).filter((t) => !t.startsWith('__')).sort();
  process.stdout.write(flags.json ? `${JSON.stringify(names)}\n` : names.map((n) => `${n}\n`).join(''));
}

export async function topicDescribe(file: string, name: string | undefined, flags: TopicFlags): Promise<void> {
  const meta = await admin(file, flags, async (a) => {
    const topics = name ? [name] : (await a.listTopics()).filter((t) => !t.startsWith('__')).sort();
    return topics.length ? (await a.fetchTopicMetadata({ topics })).topics : [];
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(meta, null, 2)}\n`);
    return;
  }
  for (const t of meta) {
    const rf = t.partitions[0]?.replicas.length ?? 0;
    process.stdout.write(`Topic: ${t.name}  PartitionCount: ${t.partitions.length}  ReplicationFactor: ${rf}\n`);
    const rows = [...t.partitions]
      .sort((x, y) => x.partitionId - y.partitionId)
      .map((p) => [p.partitionId, p.leader, p.replicas.join(','), p.isr.join(','), p.leader < 0 ? 'OFFLINE' : p.isr.length < p.replicas.length ? 'under-replicated' : 'ok']);
    process.stdout.write(`${table(['partition', 'leader', 'replicas', 'isr', 'state'], rows)}\n\n`);
  }
}

export async function topicAlter(file: string, name: string, flags: TopicFlags): Promise<void> {
  const partitions = int(flags.partitions, '--partitions');
  if (!partitions) throw new ZkkError('USAGE', 'alter needs --partitions N (partitions can only grow)', { exitCode: ExitCode.usage });
  await admin(file, flags, (a) => a.createPartitions({ topicPartitions: [{ topic: name, count: partitions }] }));
  process.stdout.write(`topic ${name} now has ${partitions} partitions\n`);
}

export async function topicDelete(file: string, name: string, flags: TopicFlags): Promise<void> {
  await admin(file, flags, (a) => a.deleteTopics({ topics: [name] }));
  process.stdout.write(`deleted topic ${name}\n`);
}
