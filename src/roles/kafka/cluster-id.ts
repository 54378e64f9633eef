/**
 * The KRaft cluster id: generated once (like `kafka-storage.sh random-uuid`) and kept
 * in a file beside the inventory, never regenerated — losing it means a log dir can no
 * longer be told apart from another cluster's.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZkkError } from '../../errors/zkk-error.js';
import type { Inventory } from '../../inventory/resolve.js';

export function clusterIdFile(inv: Inventory): string {
  return path.join(inv.dir, `${inv.cluster}.kafka-cluster-id`);
}

/** Like Kafka's Uuid.randomUuid(): never one starting with '-' (command lines would read it as an option). */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Read the id; create it only when `create` (deploy), else return undefined (plan). */
export async function loadClusterId(inv: Inventory, create: boolean): Promise<string | undefined> {
  const file = clusterIdFile(inv);
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (!/^[A-Za-z0-9_-]{22}$/.test(id)) throw new ZkkError('CLUSTER_ID', `${file} does not hold a Kafka cluster id`, { exitCode: 2, hint: 'restore it from a backup; never edit it' });
    return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (!create) return undefined;
  const id = newClusterId();
  await writeFile(file, `${id}\n`, { flag: 'wx', mode: 0o644 });
  return id;
}

/** cluster.id from a meta.properties file. */
export function metaClusterId(content: string | undefined): string | undefined {
  return content ? /^cluster\.id=(.*)$/m.exec(content)?.[1]?.trim() : undefined;
}

/**
 * A cluster that ran in ZooKeeper mode already has an id (ZooKeeper's /cluster/id, the brokers'
 * meta.properties): the KRaft controllers are formatted with it. A file beside the inventory
 * must agree; a missing one is written (deploy) so later runs read the same id.
 */
export async function adoptClusterId(inv: Inventory, id: string, create: boolean): Promise<string> {
  const file = clusterIdFile(inv);
  const kept = await loadClusterId(inv, false);
  if (kept !== undefined && kept !== id)
    throw new ZkkError('CLUSTER_ID', `${file} holds ${kept}, but the running cluster's id (ZooKeeper /cluster/id) is ${id}`, { exitCode: 2, hint: `this file belongs to another cluster: move it away (zkk writes ${id} there)` });
  if (kept === undefined && create) await writeFile(file, `${id}\n`, { flag: 'wx', mode: 0o644 });
  return id;
}
