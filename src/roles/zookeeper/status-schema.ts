/** The ZooKeeper section of the `zkk status --json` report: its host entry and its summary. */
import { z } from 'zod';
import type { ServiceStatusFields } from '../service-status.js';

const int = z.number().int();
const nullableInt = int.nullable();

export const zookeeperModeSchema = z
  .enum(['leader', 'follower', 'observer', 'standalone', 'read-only', 'not-serving', 'down', 'unknown'])
  .describe('From srvr. not-serving: up but not in a quorum (electing); down: no answer on the client port; unknown: the host could not be asked');

export function zookeeperServiceSchema(fields: ServiceStatusFields) {
  return z.strictObject({
    service: z.literal('zookeeper'),
    myid: int,
    ...fields,
    mode: zookeeperModeSchema,
    zxid: z.string().nullable(),
    connections: nullableInt,
    outstanding: nullableInt.describe('Outstanding requests'),
    nodeCount: nullableInt.describe('znodes'),
    syncedFollowers: nullableInt.describe('Leader only (mntr zk_synced_followers)'),
  });
}

export const zookeeperSummarySchema = z
  .strictObject({
    ensembleSize: int,
    quorumSize: int.describe('Voting members needed: floor(n/2)+1'),
    serving: int.describe('Members answering as leader, follower, observer or standalone'),
    leader: z.string().nullable().describe('Host name of the leader (or the standalone server); null when none is seen — with hasQuorum true, the followers follow a leader on a host zkk could not ask'),
    hasQuorum: z.boolean().nullable().describe('null when no member could be asked'),
  })
  .nullable()
  .describe('null when no host has the zookeeper role');

export type ZookeeperServiceStatus = z.infer<ReturnType<typeof zookeeperServiceSchema>>;
export type ZookeeperSummary = NonNullable<z.infer<typeof zookeeperSummarySchema>>;
