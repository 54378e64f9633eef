/**
 * The cluster's Prometheus endpoints (metrics.enabled), from the roles' status parts: one
 * per host and service, /metrics on the host's address at the role's metricsPort. `zkk
 * status` asks each from the control node; `zkk metrics targets` prints them as a
 * Prometheus file_sd target file.
 */
import type { Inventory } from '../inventory/resolve.js';
import type { MetricsEndpointStatus } from '../roles/service-status.js';
import { httpGet } from '../shell/http-get.js';
import { statusRoles } from './status-roles.js';

export interface MetricsEndpoint {
  host: string;
  address: string;
  port: number;
  /** The role's service (zookeeper, kafka): the job label. */
  service: string;
  url: string;
}

export const METRICS_PATH = '/metrics';

const hostPort = (address: string, port: number) => `${address.includes(':') ? `[${address}]` : address}:${port}`;

export function metricsEndpoints(inv: Inventory): MetricsEndpoint[] {
  return inv.hosts.flatMap((h) =>
    statusRoles.flatMap((r) => {
      const port = r.appliesTo(h) ? r.metricsPort?.(h) : undefined;
      return port === undefined ? [] : [{ host: h.name, address: h.address, port, service: r.service, url: `http://${hostPort(h.address, port)}${METRICS_PATH}` }];
    }),
  );
}

/** One file_sd group per endpoint: its target and the labels job, cluster and host. */
export function fileSdTargets(inv: Inventory): { targets: string[]; labels: Record<string, string> }[] {
  return metricsEndpoints(inv).map((e) => ({ targets: [hostPort(e.address, e.port)], labels: { job: e.service, cluster: inv.cluster, host: e.host } }));
}

/** Whether a Prometheus text answer holds samples (lines that are not comments). */
export function sampleCount(body: string): number {
  return body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}

/** By `host/service`. */
export type MetricsScrapes = Map<string, MetricsEndpointStatus>;

/**
 * Prometheus's own default scrape_timeout: an endpoint that answers within it is one Prometheus
 * would scrape. (A JMX exporter walking a JVM under load took more than 3 s once in CI.)
 */
export const SCRAPE_TIMEOUT_MS = 10_000;

export async function scrapeMetricsEndpoints(inv: Inventory, timeoutMs = SCRAPE_TIMEOUT_MS): Promise<MetricsScrapes> {
  const out: MetricsScrapes = new Map();
  await Promise.all(
    metricsEndpoints(inv).map(async (e) => {
      let st: MetricsEndpointStatus;
      try {
        const r = await httpGet(e.address, e.port, METRICS_PATH, timeoutMs);
        const samples = r.status === 200 ? sampleCount(r.body) : null;
        st = { url: e.url, answers: r.status === 200 && (samples ?? 0) > 0, ms: r.ms, samples, error: r.status === 200 ? ((samples ?? 0) > 0 ? null : 'no samples') : `HTTP ${r.status}` };
      } catch (err) {
        st = { url: e.url, answers: false, ms: null, samples: null, error: (err as Error).message };
      }
      out.set(`${e.host}/${e.service}`, st);
    }),
  );
  return out;
}
