/**
 * Kafka's Prometheus endpoint (metrics.enabled): the Prometheus JMX exporter Java agent
 * (io.prometheus.jmx:jmx_prometheus_javaagent), obtained once on the control node like a
 * release (Maven Central's layout; SHA-512 checked: Central publishes none for the jar, so
 * zkk pins the one of its default version), uploaded next to the install, and started with
 * the broker through KAFKA_OPTS (-javaagent:JAR=ADDRESS:PORT:RULES). The rules file
 * (templates/kafka/jmx-exporter.yml.hbs) exports what operators alert on.
 */
import path from 'node:path';
import type { ReleaseSource } from '../../inventory/merge.js';
import type { ResolvedKafka } from '../../inventory/resolve.js';
import type { LocalRelease } from '../../ops/archive.js';
import { change, ok, type Outcome } from '../../ops/operation.js';
import type { Probe } from '../../facts/probes.js';
import { quote } from '../../shell/command.js';
import type { ReleaseSpec } from '../release-spec.js';

export const METRICS_AGENT_COMPONENT = 'jmx-exporter';
export const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';
export const METRICS_AGENT_DEFAULT_VERSION = '1.0.1';
/** SHA-512 of the jars Maven Central serves (it publishes .sha1 and .md5 only); checked against its .sha1 when pinned. */
const PINNED_SHA512: Readonly<Record<string, string>> = {
  '1.0.1': 'f81d876e8110cbabd4a9cb3fe1740ec2d896ec4bce5cb5049a2d74c40f43781418cea246f40e6afdfabbdf0e162cb837625f496dedcb76aebbba53b6ae7cacba',
};

export const pinnedAgentSha512 = (version: string): string | undefined => PINNED_SHA512[version];

export type MetricsAgent = ReleaseSource & { version: string };

const jarName = (version: string) => `jmx_prometheus_javaagent-${version}.jar`;

export function metricsAgentRelease(agent: MetricsAgent): ReleaseSpec {
  const { version, ...source } = agent;
  const sha512 = source.sha512 ?? (source.file ? undefined : pinnedAgentSha512(version));
  return {
    component: METRICS_AGENT_COMPONENT,
    version,
    archivePath: `io/prometheus/jmx/jmx_prometheus_javaagent/${version}/${jarName(version)}`,
    source: { ...source, url: source.url ?? MAVEN_CENTRAL, ...(sha512 ? { sha512 } : {}) },
  };
}

/** Where the agent lives on the host: beside the install link, outside any release dir (upgrades keep it). */
export const metricsAgentJar = (k: ResolvedKafka): string => `${k.installDir}-metrics/${jarName(k.metricsAgent.version)}`;
export const metricsRulesFile = (k: ResolvedKafka): string => `${k.confDir}/jmx-exporter.yml`;

/** The KAFKA_OPTS token that starts the agent, bound to the host's address. */
export function metricsAgentFlag(k: ResolvedKafka, address: string): string {
  return `-javaagent:${metricsAgentJar(k)}=${address}:${k.metricsPort}:${metricsRulesFile(k)}`;
}

/** The sha512 of the agent jar on the host ('' when it is not there). */
export function metricsAgentProbe(k: ResolvedKafka): Probe<string> {
  const jar = quote(metricsAgentJar(k));
  return {
    key: `metrics-agent:${metricsAgentJar(k)}`,
    script: `if [ -f ${jar} ] && [ ! -L ${jar} ]; then sha512sum < ${jar} | cut -c1-128; else echo; fi`,
    parse: (out) => out.trim(),
  };
}

/** Upload the verified jar when the host's copy is missing or differs. */
export function ensureMetricsAgent(hostSha512: string, rel: LocalRelease, remotePath: string): Outcome {
  if (hostSha512 === rel.sha512) return ok(`${remotePath} (sha512 matches)`);
  return change(`${hostSha512 ? 'replace' : 'upload'} ${path.posix.basename(remotePath)}`, [{ kind: 'upload', localPath: rel.localPath, remotePath, sha512: rel.sha512 }]);
}
