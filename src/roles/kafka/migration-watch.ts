/**
 * What `zkk migrate` asks of the running cluster from the control node: ZooKeeper's cluster id
 * and /migration znode (under the brokers' chroot), and the waits between its steps — the KRaft
 * controllers' quorum, then the metadata copy recorded as done in /migration.
 */
import type zookeeper from 'node-zookeeper-client';
import type { Inventory, ResolvedKafka } from '../../inventory/resolve.js';
import type { HandlerReporter } from '../role.js';
import { zookeeperConnect, zookeeperHosts } from '../zookeeper/config.js';
import { connectClient, deleteZnode, readZnode } from '../zookeeper/zookeeper-client.js';
import { controllerHosts } from './config.js';
import { metadataMigrated, parseMigrationZnode, type MigrationZnode } from './migration.js';
import { describeQuorumViaControllers } from './wire/index.js';

export interface ZookeeperMetadata {
  /** /cluster/id's id (undefined: no ZooKeeper-mode cluster ever ran under this chroot) */
  clusterId?: string;
  znode: MigrationZnode | undefined;
}

const NO_NODE = /NO_NODE/;

async function optionalZnode(client: zookeeper.Client, path: string): Promise<string | undefined> {
  try {
    return await readZnode(client, path);
  } catch (e) {
    if (NO_NODE.test((e as Error).message)) return undefined;
    throw e;
  }
}

/** Read once per run; undefined when the inventory has no ZooKeeper (throws when ZooKeeper does not answer in time). */
export async function readZookeeperMetadata(inv: Inventory, k: ResolvedKafka, timeoutMs = 10_000): Promise<ZookeeperMetadata | undefined> {
  if (zookeeperHosts(inv).length === 0) return undefined;
  const client = await connectClient(zookeeperConnect(inv, k.zookeeperChroot), timeoutMs);
  try {
    const id = await optionalZnode(client, '/cluster/id');
    const migration = await optionalZnode(client, '/migration');
    return { clusterId: id ? (JSON.parse(id) as { id?: string }).id : undefined, znode: migration ? parseMigrationZnode(migration) : undefined };
  } finally {
    client.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every controller of the inventory a voter, and a leader elected (asked on the controllers' own listeners). */
export async function waitForControllerQuorum(inv: Inventory, report: HandlerReporter, timeoutMs = 180_000): Promise<void> {
  const controllers = controllerHosts(inv);
  const wanted = controllers.map((h) => h.kafka.nodeId).sort((a, b) => a - b);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const { conn, quorum } = await describeQuorumViaControllers(controllers.map((h) => ({ host: h.address, port: h.kafka.controllerPort })), { clientId: 'zkk-migrate', requestTimeoutMs: 5000, connectTimeoutMs: 2000 });
      conn.close();
      const voters = quorum.voters.map((v) => v.nodeId).sort((a, b) => a - b);
      if (quorum.leaderId >= 0 && wanted.every((id) => voters.includes(id))) {
        report.info(undefined, `KRaft controller quorum: leader ${quorum.leaderId}, voters [${voters.join(', ')}]`);
        return;
      }
      last = `leader ${quorum.leaderId}, voters [${voters.join(', ')}]`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the KRaft controllers formed no quorum within ${timeoutMs / 1000} s (${last})`);
    await sleep(500);
  }
}

/** Until /migration records the copy of the metadata from ZooKeeper as done (kraft_metadata_offset > 0). */
export async function waitForMetadataMigrated(inv: Inventory, k: ResolvedKafka, report: HandlerReporter, timeoutMs = 300_000): Promise<MigrationZnode> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no /migration znode yet';
  for (;;) {
    try {
      const zk = await readZookeeperMetadata(inv, k, 5000);
      if (zk && metadataMigrated(zk.znode)) {
        report.info(undefined, `metadata migrated from ZooKeeper to KRaft (controller ${zk.znode!.kraftControllerId}, KRaft offset ${zk.znode!.kraftMetadataOffset}); dual-write`);
        return zk.znode!;
      }
      if (zk?.znode) last = `/migration: kraft_metadata_offset ${zk.znode.kraftMetadataOffset}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the KRaft controller did not record the metadata migration as done within ${timeoutMs / 1000} s (${last}); its server.log says why`);
    await sleep(1000);
  }
}

/** /controller as the KRaft controller writes it during the migration: kraftControllerEpoch ≥ 0 (a ZooKeeper-mode broker of 3.9 writes -1). */
export function heldByKraft(controllerJson: string | undefined): boolean {
  if (!controllerJson) return false;
  try {
    const epoch = (JSON.parse(controllerJson) as Record<string, unknown>).kraftControllerEpoch;
    return typeof epoch === 'number' && epoch >= 0;
  } catch {
    return false;
  }
}

/** The ZooKeeper-mode controller elected after /controller was deleted: its broker id and the controller epoch. */
export interface ElectedController {
  brokerId: number;
  epoch: number;
}

/**
 * The rollback, once the controllers are gone (upstream: "delete /controller … get /migration
 * followed by delete /migration"): /controller only while KRaft holds it (a broker that already
 * won the election keeps it), /migration with its content reported first (for debugging). Then
 * up to electionWaitMs for a broker to win the election (brokers in migration mode take part).
 */
export async function clearMigrationZnodes(inv: Inventory, k: ResolvedKafka, report: HandlerReporter, electionWaitMs = 15_000): Promise<ElectedController | undefined> {
  const client = await connectClient(zookeeperConnect(inv, k.zookeeperChroot), 10_000);
  try {
    const controller = await optionalZnode(client, '/controller');
    const migration = await optionalZnode(client, '/migration');
    if (migration !== undefined) {
      await deleteZnode(client, '/migration');
      report.info(undefined, `ZooKeeper ${k.zookeeperChroot}/migration deleted (it held ${migration})`);
    }
    if (heldByKraft(controller)) {
      await deleteZnode(client, '/controller');
      report.info(undefined, `ZooKeeper ${k.zookeeperChroot}/controller deleted (held by the KRaft controller: ${controller})`);
    }
    const t0 = Date.now();
    let now: string | undefined;
    while (((now = await optionalZnode(client, '/controller')) === undefined || heldByKraft(now)) && Date.now() - t0 < electionWaitMs) await sleep(250);
    if (now === undefined || heldByKraft(now)) {
      report.info(undefined, `no broker claimed ${k.zookeeperChroot}/controller within ${electionWaitMs / 1000} s: the first broker restarted in ZooKeeper mode becomes the controller`);
      return undefined;
    }
    const brokerId = Number((JSON.parse(now) as { brokerid?: unknown }).brokerid);
    const epoch = Number(await optionalZnode(client, '/controller_epoch'));
    report.info(undefined, `ZooKeeper-mode controller: broker ${brokerId} (controller epoch ${epoch}, ${((Date.now() - t0) / 1000).toFixed(1)} s after the delete)`);
    return Number.isFinite(brokerId) && Number.isFinite(epoch) ? { brokerId, epoch } : undefined;
  } finally {
    client.close();
  }
}

/** Until a znode is gone (a killed broker's /brokers/ids/<id> lasts until its ZooKeeper session expires). */
export async function waitForZnodeGone(inv: Inventory, k: ResolvedKafka, path: string, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  const client = await connectClient(zookeeperConnect(inv, k.zookeeperChroot), 10_000);
  try {
    while ((await optionalZnode(client, path)) !== undefined) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`${k.zookeeperChroot}${path} still there after ${timeoutMs / 1000} s (the old broker's ZooKeeper session has not expired)`);
      await sleep(250);
    }
    return Date.now() - t0;
  } finally {
    client.close();
  }
}
