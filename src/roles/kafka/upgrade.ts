/**
 * Kafka upgrades (pure): which feature level the cluster runs at, whether a `version:` change is
 * allowed, what the ZooKeeper-mode inter.broker.protocol.version pin is during a binary roll, and
 * which KRaft features `zkk upgrade finalize` raises.
 *
 * The level the cluster is finalized at (major.minor) is kept on each host in FINALIZED_FILE
 * (written at the first deploy and by finalize). A host deployed before zkk kept it counts as
 * finalized at the release its install link points at.
 *   ZooKeeper mode: while the level is below the release's, server.properties pins
 *     inter.broker.protocol.version=<level>; finalize drops the pin (a rolling restart).
 *   KRaft: the binary roll leaves metadata.version alone (Kafka never raises it by itself);
 *     finalize raises each feature to the release's level (kafka-features.sh version-mapping),
 *     one --feature each, never kraft.version (that would turn a static quorum dynamic).
 */

export { compareVersions, refuseUnhealthyUpgrade, versionOfDir, type HostRelease } from '../upgrade-gate.js';

export const FINALIZED_FILE = 'zkk-finalized-version';

export type MajorMinor = [number, number];

export function majorMinor(version: string): string {
  const [a = '0', b = '0'] = version.split('.');
  return `${Number(a)}.${Number(b)}`;
}

function mm(v: string): MajorMinor {
  const [a = '0', b = '0'] = v.split(/[.-]/);
  return [Number(a), Number(b)];
}

/** <0, 0, >0 like a comparator, on major.minor only */
export function compareMajorMinor(a: string, b: string): number {
  const x = mm(a);
  const y = mm(b);
  return x[0] - y[0] || x[1] - y[1];
}

export interface UpgradeState {
  /** the release the host runs now (from its install link), if any */
  installed?: string;
  /** the level the cluster is finalized at (major.minor) */
  finalized: string;
  /** the inventory's release */
  target: string;
}

/** The finalized level from the host's facts (file content, else the installed release, else the target: a fresh host). */
export function upgradeState(target: string, finalizedFile: string | undefined, installed: string | undefined): UpgradeState {
  const recorded = finalizedFile?.trim();
  const finalized = recorded && /^\d+\.\d+$/.test(recorded) ? recorded : majorMinor(installed ?? target);
  return { installed, finalized, target };
}

/** finalize is pending when the release is newer than the finalized level */
export function finalizePending(s: UpgradeState): boolean {
  return compareMajorMinor(s.target, s.finalized) > 0;
}

/**
 * Why a version change is refused, or undefined when it may roll. A downgrade is allowed while
 * the cluster is not finalized past the target (the rollback before finalize).
 */
export function refuseVersionChange(s: UpgradeState, mode: 'zookeeper' | 'kraft'): { reason: string; hint: string } | undefined {
  const from = s.installed;
  if (compareMajorMinor(s.target, s.finalized) < 0) {
    return {
      reason: `Kafka ${s.target} is older than the level this cluster is finalized at (${s.finalized}${mode === 'kraft' ? ': metadata.version and the other features' : ': inter.broker.protocol.version'}); a finalized upgrade cannot be downgraded`,
      hint: `keep kafka.version at ${s.finalized}.x or newer`,
    };
  }
  if (from && Number(from.split('.')[0]) < 4 && Number(s.target.split('.')[0]) >= 4 && compareMajorMinor(from, '3.3') < 0) {
    return { reason: `Kafka ${from} cannot be upgraded to ${s.target} directly: Kafka 4 needs a KRaft cluster at 3.3 or newer`, hint: 'upgrade to 3.9.x first, finalize, then to 4.x' };
  }
  if (from && mode === 'kraft' && Number(s.target.split('.')[0]) >= 4 && compareMajorMinor(s.finalized, '3.3') < 0) {
    return { reason: `metadata.version is finalized at ${s.finalized}, below 3.3-IV3, which Kafka 4 needs`, hint: 'finalize on 3.x first: zkk upgrade finalize' };
  }
  return undefined;
}

/** ZooKeeper mode: the inter.broker.protocol.version to pin during the binary roll (undefined: none, the release's own). */
export function pinnedIbp(s: UpgradeState, finalizing: boolean): string | undefined {
  if (finalizing || !finalizePending(s)) return undefined;
  return s.finalized;
}

export interface FeatureLevel {
  name: string;
  /** the finalized level; metadata.version as its release name (e.g. 4.3-IV0) */
  finalized: string;
}

/** `kafka-features.sh describe`: "Feature: x<TAB>SupportedMinVersion: …<TAB>FinalizedVersionLevel: n<TAB>Epoch: e" */
export function parseFeatureDescribe(out: string): FeatureLevel[] {
  const features: FeatureLevel[] = [];
  for (const line of out.split('\n')) {
    const name = /Feature:\s*(\S+)/.exec(line)?.[1];
    const finalized = /FinalizedVersionLevel:\s*(\S+)/.exec(line)?.[1];
    if (name && finalized) features.push({ name, finalized });
  }
  return features;
}

export interface MappedLevel {
  name: string;
  level: number;
  /** metadata.version: the release in parentheses, e.g. "4.4" */
  release?: string;
}

/** `kafka-features.sh version-mapping --release-version X`: "metadata.version=33 (4.4)", "group.version=1" */
export function parseVersionMapping(out: string): MappedLevel[] {
  const levels: MappedLevel[] = [];
  for (const line of out.split('\n')) {
    const m = /^([a-z][a-z0-9._]*)=(\d+)(?:\s*\(([^)]*)\))?\s*$/.exec(line.trim());
    if (m) levels.push({ name: m[1]!, level: Number(m[2]), ...(m[3] ? { release: m[3] } : {}) });
  }
  return levels;
}

export interface FeatureUpgrade {
  name: string;
  from: string;
  to: number;
  /** shown beside the level (metadata.version: the release) */
  toName?: string;
}

/**
 * What finalize raises: every feature the release maps higher than it is finalized, except
 * kraft.version (a static quorum would become dynamic) — each as its own --feature.
 */
export function featureUpgrades(current: FeatureLevel[], mapping: MappedLevel[]): { upgrades: FeatureUpgrade[]; skipped: string[] } {
  const upgrades: FeatureUpgrade[] = [];
  const skipped: string[] = [];
  for (const m of mapping) {
    const cur = current.find((c) => c.name === m.name)?.finalized ?? '0';
    if (m.name === 'metadata.version') {
      // finalized as a name (4.3-IV0); the mapping says which release the level belongs to
      if (m.release && compareMajorMinor(cur, m.release) < 0) upgrades.push({ name: m.name, from: cur, to: m.level, toName: m.release });
      continue;
    }
    if (!/^\d+$/.test(cur) || Number(cur) >= m.level) continue;
    if (m.name === 'kraft.version') {
      skipped.push(`kraft.version ${cur} → ${m.level} (it would turn a static controller quorum into a dynamic one; zkk leaves it)`);
      continue;
    }
    upgrades.push({ name: m.name, from: cur, to: m.level });
  }
  return { upgrades, skipped };
}

export function describeUpgrades(upgrades: FeatureUpgrade[]): string {
  return upgrades.map((u) => `${u.name} ${u.from} → ${u.to}${u.toName ? ` (${u.toName})` : ''}`).join(', ');
}


/**
 * Broker settings Kafka 4.0 removed (its upgrade notes): an inventory that still sets one in
 * kafka.extraConfig for a 4.x release is refused with what to use instead, rather than rendered
 * into a server.properties the new release ignores or rejects.
 */
const REMOVED_IN_KAFKA_4: Record<string, string> = {
  'log.message.format.version': 'Kafka 4 writes only the v2 record format: drop the setting',
  'log.message.timestamp.difference.max.ms': 'use log.message.timestamp.before.max.ms and log.message.timestamp.after.max.ms (KIP-937)',
  'offsets.commit.required.acks': 'drop the setting (KIP-1041)',
  'delegation.token.master.key': 'use delegation.token.secret.key',
  'auto.include.jmx.reporter': 'add org.apache.kafka.common.metrics.JmxReporter to metric.reporters instead',
};

/** The extraConfig keys the target release no longer has, each with what to do instead. */
export function removedSettings(version: string, keys: readonly string[]): { key: string; hint: string }[] {
  if (Number(version.split('.')[0]) < 4) return [];
  return keys.filter((k) => k in REMOVED_IN_KAFKA_4).map((key) => ({ key, hint: REMOVED_IN_KAFKA_4[key]! }));
}
