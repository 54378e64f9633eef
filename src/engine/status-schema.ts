/**
 * The `zkk status --json` report: one zod schema is the source of the TypeScript types,
 * of test/fixtures/status.schema.json (generated, checked by a unit test) and of its
 * documentation. Stable: fields are only ever added; unknown values are null, never
 * missing. Bump STATUS_SCHEMA_VERSION on any incompatible change.
 */
import { z } from 'zod';

export const STATUS_SCHEMA_VERSION = 1;

const int = z.number().int();
const nullableInt = int.nullable();

export const verdictSchema = z
  .enum(['HEALTHY', 'DEGRADED', 'DOWN', 'UNKNOWN'])
  .describe('HEALTHY (exit 0): everything up. DEGRADED (exit 1): still serving, but something is down or lagging. DOWN (exit 5): not serving (no ZooKeeper quorum, no Kafka controller, offline partitions, no broker answers). UNKNOWN (exit 3): no host could be reached at all, so nothing could be judged');

export const reasonSchema = z
  .strictObject({
    severity: z.enum(['degraded', 'down']).describe('What this reason alone makes of the verdict'),
    scope: z.enum(['host', 'zookeeper', 'kafka', 'cluster']),
    host: z.string().nullable().describe('Inventory host name, when the reason is about one host'),
    message: z.string(),
  })
  .describe('Why the verdict is not HEALTHY');

export const serviceStateSchema = z
  .enum(['running', 'stopped', 'not-installed', 'unknown'])
  .describe('running: the pid file names a live process (or, without one, the service port listens); stopped: installed but not running; not-installed: nothing deployed yet; unknown: the host could not be asked');

export const portSchema = z.strictObject({
  name: z.enum(['client', 'quorum', 'election', 'broker', 'controller']),
  port: int,
  listening: z.boolean().nullable().describe('null when the host could not be asked'),
  expected: z.boolean().describe('Whether a healthy node in this role listens here (a ZooKeeper quorum port only listens on the leader)'),
});

const processFields = {
  state: serviceStateSchema,
  pid: nullableInt,
  uptimeSec: nullableInt.describe('Seconds since the process started (host clock)'),
  ports: z.array(portSchema),
  version: z.string().nullable().describe('Running version when known, else the installed one'),
  installedVersion: z.string().nullable().describe('Version the install symlink points to'),
};

export const zookeeperModeSchema = z
  .enum(['leader', 'follower', 'observer', 'standalone', 'read-only', 'not-serving', 'down', 'unknown'])
  .describe('From srvr. not-serving: up but not in a quorum (electing); down: no answer on the client port; unknown: the host could not be asked');

export const zookeeperServiceSchema = z.strictObject({
  service: z.literal('zookeeper'),
  myid: int,
  ...processFields,
  mode: zookeeperModeSchema,
  zxid: z.string().nullable(),
  connections: nullableInt,
  outstanding: nullableInt.describe('Outstanding requests'),
  nodeCount: nullableInt.describe('znodes'),
  syncedFollowers: nullableInt.describe('Leader only (mntr zk_synced_followers)'),
});

export const kafkaServiceSchema = z.strictObject({
  service: z.literal('kafka'),
  nodeId: int.describe('broker.id / node.id'),
  processRoles: z.array(z.enum(['broker', 'controller'])).describe('KRaft process.roles; ZooKeeper mode: [broker]'),
  ...processFields,
  registered: z.boolean().nullable().describe('Brokers: listed in the cluster metadata (registered and, in KRaft, unfenced). null: not a broker, or the cluster could not be asked'),
  activeController: z.boolean().describe('This node is the active controller (KRaft: the quorum leader)'),
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

export const serviceSchema = z.discriminatedUnion('service', [zookeeperServiceSchema, kafkaServiceSchema]);

export const hostStatusSchema = z.strictObject({
  name: z.string(),
  address: z.string(),
  ssh: z.strictObject({
    reachable: z.boolean(),
    ms: nullableInt.describe('Connect + probe time'),
    error: z
      .strictObject({ code: z.string(), message: z.string(), hint: z.string().nullable() })
      .nullable()
      .describe('Why the host could not be reached or asked'),
  }),
  services: z.array(serviceSchema).describe('In inventory order: zookeeper, then kafka'),
});

export const zookeeperSummarySchema = z
  .strictObject({
    ensembleSize: int,
    quorumSize: int.describe('Voting members needed: floor(n/2)+1'),
    serving: int.describe('Members answering as leader, follower, observer or standalone'),
    leader: z.string().nullable().describe('Host name of the leader (or the standalone server); null when none is seen — with hasQuorum true, the followers follow a leader on a host zkk could not ask'),
    hasQuorum: z.boolean().nullable().describe('null when no member could be asked'),
  })
  .nullable();

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
  })
  .nullable();

export const statusReportSchema = z
  .strictObject({
    schemaVersion: z.literal(STATUS_SCHEMA_VERSION),
    cluster: z.string(),
    inventory: z.string().describe('Absolute path of the inventory file'),
    checkedAt: z.string().describe('ISO 8601 time the check started'),
    durationMs: int,
    verdict: verdictSchema,
    exitCode: z.union([z.literal(0), z.literal(1), z.literal(3), z.literal(5)]),
    reasons: z.array(reasonSchema),
    hosts: z.array(hostStatusSchema),
    zookeeper: zookeeperSummarySchema.describe('null when no host has the zookeeper role'),
    kafka: kafkaSummarySchema.describe('null when no host has a kafka role'),
  })
  .describe('zkk status report');

export type StatusReport = z.infer<typeof statusReportSchema>;
export type Verdict = z.infer<typeof verdictSchema>;
export type StatusReason = z.infer<typeof reasonSchema>;
export type HostStatus = z.infer<typeof hostStatusSchema>;
export type ServiceStatus = z.infer<typeof serviceSchema>;
export type ZookeeperServiceStatus = z.infer<typeof zookeeperServiceSchema>;
export type KafkaServiceStatus = z.infer<typeof kafkaServiceSchema>;
export type ZookeeperSummary = NonNullable<z.infer<typeof zookeeperSummarySchema>>;
export type KafkaSummary = NonNullable<z.infer<typeof kafkaSummarySchema>>;
export type PortStatus = z.infer<typeof portSchema>;
export type ServiceState = z.infer<typeof serviceStateSchema>;

/** The JSON Schema printed by `zkk schema --status` (snapshot: test/fixtures/status.schema.json). */
export function statusReportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(statusReportSchema),
    title: `zkk status report (schemaVersion ${STATUS_SCHEMA_VERSION})`,
  } as Record<string, unknown>;
}
