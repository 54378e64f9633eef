/**
 * The `zkk status --json` report: one zod schema is the source of
 * test/fixtures/status.schema.json (generated, checked by a unit test) and of its
 * documentation. Stable: fields are only ever added; unknown values are null, never
 * missing. Bump STATUS_SCHEMA_VERSION on any incompatible change.
 *
 * The envelope is here; every role with a status part contributes its section
 * (roles/<role>/status-schema.ts): the entry of its service on a host, in
 * `hosts[].services`, and its summary, at the top level under its service name.
 */
import { z } from 'zod';
import type { HostStatus, StatusReason } from '../roles/role-status.js';
import { serviceStatusFields } from '../roles/service-status.js';
import { statusRoles } from './status-roles.js';

export const STATUS_SCHEMA_VERSION = 1;

const int = z.number().int();
const nullableInt = int.nullable();

const services = statusRoles.map((r) => r.service);
const portNames = [...new Set(statusRoles.flatMap((r) => r.portNames))] as unknown as [string, ...string[]];
const serviceFields = serviceStatusFields(portNames);

export const verdictSchema = z
  .enum(['HEALTHY', 'DEGRADED', 'DOWN', 'UNKNOWN'])
  .describe('HEALTHY (exit 0): everything up. DEGRADED (exit 1): still serving, but something is down or lagging. DOWN (exit 5): not serving (no ZooKeeper quorum, no Kafka controller, offline partitions, no broker answers). UNKNOWN (exit 3): no host could be reached at all, so nothing could be judged');

export const reasonSchema = z
  .strictObject({
    severity: z.enum(['degraded', 'down']).describe('What this reason alone makes of the verdict'),
    scope: z.enum(['host', ...services, 'cluster']),
    host: z.string().nullable().describe('Inventory host name, when the reason is about one host'),
    message: z.string(),
  })
  .describe('Why the verdict is not HEALTHY');

/** A host's service entries: one schema per role, told apart by `service`. */
export const serviceSchema = z.discriminatedUnion(
  'service',
  statusRoles.map((r) => r.serviceSchema(serviceFields)) as unknown as [z.ZodObject<{ service: z.ZodLiteral<string> }>],
);

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
  services: z.array(serviceSchema).describe(`In inventory order: ${services.join(', then ')}`),
});

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
    ...Object.fromEntries(statusRoles.map((r) => [r.service, r.summarySchema])),
  })
  .describe('zkk status report');

export type Verdict = z.infer<typeof verdictSchema>;
export type { HostStatus, StatusReason };

/** The report's own fields (what every report has, whatever its roles). */
export interface StatusEnvelope {
  schemaVersion: typeof STATUS_SCHEMA_VERSION;
  cluster: string;
  inventory: string;
  checkedAt: string;
  durationMs: number;
  verdict: Verdict;
  exitCode: 0 | 1 | 3 | 5;
  reasons: StatusReason[];
  hosts: HostStatus[];
}

/** The report; each role's summary (or null) is at the top level under its service name. */
export type StatusReport = StatusEnvelope & { [service: string]: unknown };

/** The JSON Schema printed by `zkk schema --status` (snapshot: test/fixtures/status.schema.json). */
export function statusReportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(statusReportSchema),
    title: `zkk status report (schemaVersion ${STATUS_SCHEMA_VERSION})`,
  } as Record<string, unknown>;
}
