/** The Kafka section of the `zkk status --json` report: its host entry and its summary. */
import { z } from 'zod';
import type { ServiceStatusFields } from '../service-status.js';

const int = z.number().int();
const nullableInt = int.nullable();

export function kafkaServiceSchema(fields: ServiceStatusFields) {
  return z.strictObject({
    service: z.literal('kafka'),
    nodeId: int.describe('broker.id / node.id'),
    processRoles: z.array(z.enum(['broker', 'controller'])).describe('KRaft process.roles; ZooKeeper mode: [broker]'),
    ...fields,
    registered: z.boolean().nullable().describe('Brokers: listed in the cluster metadata (registered and, in KRaft, unfenced). null: not a broker, or the cluster could not be asked'),
    activeController: z.boolean().describe('This node is the active controller (KRaft: the quorum leader)'),
    finalizePending: z
      .string()
      .nullable()
      .describe('After a rolling upgrade: "<finalized level> → <release>" while `zkk upgrade finalize` has not raised the feature versions (ZooKeeper mode: inter.broker.protocol.version; KRaft: metadata.version and the other features); null when none is pending or not known'),
    quorum: z
      .strictObject({
        role: z.enum(['leader', 'voter', 'observer']).nullable(),
        logEndOffset: nullableInt,
        lag: nullableInt.describe('Records behind the leader'),
        lagMs: nullableInt.describe('How long ago it was last caught up (leader clock)'),
      })
      .nullable()
      .describe('KRaft metadata quorum state of this node; null in ZooKeeper mode'),
  });
}

export const quorumVoterSchema = z.strictObject({
  nodeId: int,
  host: z.string().nullable().describe('Inventory host name of this node id'),
  logEndOffset: nullableInt,
  lag: nullableInt,
  lagMs: nullableInt,
});

export const kafkaSummarySchema = z
  .strictObject({
    mode: z.enum(['zookeeper', 'kraft']),
    reachable: z.boolean().describe('A broker answered a metadata request from the control node'),
    via: z.string().nullable().describe('host:port that answered'),
    error: z.string().nullable(),
    clusterId: z.string().nullable(),
    activeController: nullableInt.describe('Node id; KRaft: the quorum leader'),
    brokers: z.strictObject({ expected: z.array(int), registered: z.array(int) }),
    partitions: z
      .strictObject({ total: int, underReplicated: int, offline: int, underMinIsr: int })
      .nullable()
      .describe('Cluster-wide counts (all topics, internal ones included); null when no broker answered'),
    quorum: z
      .strictObject({
        source: z.enum(['describe-quorum', 'kafka-metadata-quorum']).nullable().describe('describe-quorum: the DescribeQuorum API from the control node; kafka-metadata-quorum: the fallback tool run on a controller host'),
        leaderId: nullableInt,
        leaderEpoch: nullableInt,
        highWatermark: nullableInt,
        voters: z.array(quorumVoterSchema),
        error: z.string().nullable(),
      })
      .nullable()
      .describe('KRaft only'),
    migration: z
      .strictObject({
        phase: z.string().describe('zookeeper-mode, preparing, controllers-ready, migrating-metadata, dual-write, brokers-to-kraft, ready-to-finalize, kraft, unknown'),
        summary: z.string(),
        next: z.string().describe('what to run next'),
      })
      .optional()
      .describe('ZooKeeper → KRaft migration (zkk migrate): only for a KRaft inventory that still lists ZooKeeper, read from the hosts\' server.properties and ZooKeeper /migration'),
    certificatesExpiring: z
      .array(z.strictObject({ host: z.string(), daysLeft: int, notAfter: z.string() }))
      .optional()
      .describe('security: the host certificates (Kafka and ZooKeeper) with less than 30 days left, soonest first, from the control node\'s TLS files (generate mode: the next zkk deploy renews them; zkk certs shows what each host serves)'),
  })
  .nullable()
  .describe('null when no host has a kafka role');

export type KafkaServiceStatus = z.infer<ReturnType<typeof kafkaServiceSchema>>;
export type KafkaSummary = NonNullable<z.infer<typeof kafkaSummarySchema>>;
