/**
 * What every role's status entry for a host has in common (a process with a state, pid,
 * uptime, ports and versions): the schema fields each role's section spreads, and the
 * small builders of their values from facts.
 */
import { z } from 'zod';
import { pathProbe, type PathFact, type ProcessFact } from '../facts/probes.js';

const int = z.number().int();
const nullableInt = int.nullable();

export const serviceStateSchema = z
  .enum(['running', 'stopped', 'not-installed', 'unknown'])
  .describe('running: the pid file names a live process (or, without one, the service port listens); stopped: installed but not running; not-installed: nothing deployed yet; unknown: the host could not be asked');

/** The fields of every host entry; the port names are the union of the roles'. */
export function serviceStatusFields(portNames: readonly [string, ...string[]]) {
  const portSchema = z.strictObject({
    name: z.enum(portNames),
    port: int,
    listening: z.boolean().nullable().describe('null when the host could not be asked'),
    expected: z.boolean().describe('Whether a healthy node in this role listens here (a ZooKeeper quorum port only listens on the leader)'),
  });
  return {
    state: serviceStateSchema,
    pid: nullableInt,
    uptimeSec: nullableInt.describe('Seconds since the process started (host clock)'),
    ports: z.array(portSchema),
    version: z.string().nullable().describe('Running version when known, else the installed one'),
    installedVersion: z.string().nullable().describe('Version the install symlink points to'),
    metrics: z
      .strictObject({
        url: z.string().describe('The Prometheus endpoint (metrics.enabled)'),
        answers: z.boolean().describe('It answered HTTP 200 with samples, asked from the control node'),
        ms: nullableInt.describe('Time to the full answer'),
        samples: nullableInt.describe('Sample lines in the answer'),
        error: z.string().nullable().describe('Why it did not answer'),
      })
      .nullable()
      .describe('The service\'s Prometheus endpoint; null when metrics.enabled is off'),
  };
}

export type ServiceStatusFields = ReturnType<typeof serviceStatusFields>;
export type ServiceState = z.infer<typeof serviceStateSchema>;

export interface PortStatus {
  name: string;
  port: number;
  listening: boolean | null;
  expected: boolean;
}

export interface ServiceStatusBase {
  service: string;
  state: ServiceState;
  pid: number | null;
  uptimeSec: number | null;
  ports: PortStatus[];
  version: string | null;
  installedVersion: string | null;
  /** Asked by the status engine (the role leaves it null): null when metrics are off. */
  metrics: MetricsEndpointStatus | null;
}

export interface MetricsEndpointStatus {
  url: string;
  answers: boolean;
  ms: number | null;
  samples: number | null;
  error: string | null;
}

/** The install symlink (its target names the version). */
export const installLinkProbe = (dir: string) => pathProbe(dir);

/** "…/zookeeper-3.8.0" → 3.8.0; "…/kafka_2.13-3.9.2" → 3.9.2. */
export function versionFromInstallLink(fact: PathFact): string | null {
  if (fact.kind !== 'link') return null;
  return /-(\d+\.\d+\.\d+[\w.-]*)\/?$/.exec(fact.target)?.[1] ?? null;
}

export function serviceState(proc: ProcessFact, installed: boolean, answering: boolean): ServiceState {
  if (proc.running || answering) return 'running';
  return installed ? 'stopped' : 'not-installed';
}

/** Whole seconds the process has run, by the host's clock. */
export function uptime(proc: ProcessFact, clock: number | undefined): number | null {
  return proc.running && proc.startedAt !== undefined && clock !== undefined ? Math.max(0, Math.floor(clock - proc.startedAt)) : null;
}

export function portStatus(name: string, n: number, listening: ReadonlySet<number> | undefined, expected: boolean): PortStatus {
  return { name, port: n, listening: listening ? listening.has(n) : null, expected };
}
