/**
 * Kafka node ids as identities: broker.id (ZooKeeper mode) or node.id (KRaft) from the
 * meta.properties of every log dir (read with the facts) is kept, with the KRaft
 * directory.id of each dir; a new host takes its explicit brokerId or the lowest free id.
 * Runs once per run, before any host is planned.
 */
import type { Facts } from '../../facts/gather.js';
import { pathProbe } from '../../facts/probes.js';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { Inventory, ResolvedKafka } from '../../inventory/resolve.js';
import type { IdentitySettlement } from '../role.js';
import { settleIds, type IdClaim } from '../stable-ids.js';
import { kafkaHosts } from './config.js';
import { handBrokerId, handKafkaProbe, kafkaBackupDir } from './hand-install.js';

export const metaProbe = (dir: string) => pathProbe(`${dir}/meta.properties`, true);

export interface MetaProperties {
  nodeId?: number;
  clusterId?: string;
  directoryId?: string;
}

/** broker.id / node.id, cluster.id and directory.id of a meta.properties text. */
export function parseMetaProperties(content: string | undefined): MetaProperties {
  if (!content) return {};
  const value = (key: string) => new RegExp(`^${key.replace('.', '\\.')}=(.*)$`, 'm').exec(content)?.[1]?.trim();
  const id = value('node.id') ?? value('broker.id');
  return {
    ...(id !== undefined && /^\d+$/.test(id) ? { nodeId: Number(id) } : {}),
    ...(value('cluster.id') ? { clusterId: value('cluster.id') } : {}),
    ...(value('directory.id') ? { directoryId: value('directory.id') } : {}),
  };
}

interface OnDisk {
  nodeId: number | undefined | 'unread';
  directoryIds: Record<string, string>;
}

/** The id every formatted log dir of the host holds; log dirs that disagree are refused. */
export function kafkaIdOnDisk(k: ResolvedKafka, facts: Facts | undefined, host: string): OnDisk {
  if (!facts) return { nodeId: 'unread', directoryIds: {} };
  const metas = k.logDirs.map((dir) => ({ dir, meta: parseMetaProperties((facts.get(metaProbe(dir)) as { content?: string }).content) }));
  const withId = metas.filter((m) => m.meta.nodeId !== undefined);
  // a broker built by hand (hand-install.ts): its server.properties and log dirs' meta.properties give the id zkk keeps
  const hand = facts.has(handKafkaProbe(k).key) ? facts.get(handKafkaProbe(k)) : undefined;
  if (hand) {
    const held = handBrokerId(hand);
    if (held.problem)
      throw new ZkkError('IDENTITY', `${host}: ${held.problem}`, { exitCode: ExitCode.usage, host, hint: 'zkk never picks between two ids: look at the files and keep the id this broker serves the cluster with' });
    if (held.id !== undefined) withId.push({ dir: `${hand.at === 'backup' ? kafkaBackupDir(k) : k.installDir} (built by hand)`, meta: { nodeId: held.id } });
  }
  const ids = new Set(withId.map((m) => m.meta.nodeId));
  if (ids.size > 1)
    throw new ZkkError('IDENTITY', `${host}: the log dirs disagree on the node id: ${withId.map((m) => `${m.dir}/meta.properties says ${m.meta.nodeId}`).join(', ')}`, {
      exitCode: ExitCode.usage,
      host,
      hint: 'Kafka refuses to start on log dirs of different nodes: find which dir came from elsewhere and move it aside',
    });
  const directoryIds: Record<string, string> = {};
  for (const m of metas) if (m.meta.directoryId) directoryIds[m.dir] = m.meta.directoryId;
  return { nodeId: withId[0]?.meta.nodeId, directoryIds };
}

export function settleKafkaIds(inv: Inventory, facts: ReadonlyMap<number, Facts>): IdentitySettlement {
  const members = kafkaHosts(inv);
  const disk = new Map(members.map((h) => [h.index, kafkaIdOnDisk(h.kafka, facts.get(h.index), h.name)]));
  const claims: IdClaim[] = members.map((h) => ({
    host: h.name,
    index: h.index,
    onDisk: disk.get(h.index)!.nodeId,
    asked: h.kafka.nodeIdAsked,
    where: `${h.kafka.logDirs.join(', ')} meta.properties`,
  }));
  const what = members[0]?.kafka.mode === 'zookeeper' ? 'broker.id' : 'node.id';
  const settled = new Map(settleIds(claims, { what, field: 'brokerId', min: 1 }).map((s) => [s.index, s]));
  return {
    inv: {
      ...inv,
      hosts: inv.hosts.map((h) => {
        const s = settled.get(h.index);
        return h.kafka && s ? { ...h, kafka: { ...h.kafka, nodeId: s.id, directoryIds: disk.get(h.index)!.directoryIds } } : h;
      }),
    },
    ids: members.map((h) => {
      const s = settled.get(h.index)!;
      const dirs = Object.entries(disk.get(h.index)!.directoryIds);
      return {
        host: h.name,
        role: 'kafka',
        what,
        id: s.id,
        source: s.source,
        ...(s.unread ? { unread: true } : {}),
        ...(dirs.length ? { detail: `directory.id ${dirs.map(([d, id]) => `${d}=${id}`).join(', ')}` } : {}),
      };
    }),
  };
}
