/**
 * What every service role's upgrade shares (pure): which release a host runs (from the versioned
 * dir its install link points at), release order, and the refusal of an upgrade while the running
 * cluster is not healthy — a roll takes each node down in turn, and a cluster already short of a
 * member could lose its quorum or a partition's last in-sync replica. A rollback (an older
 * release) is not refused: it may be what brings the cluster back.
 */

/** <0, 0, >0 on the whole release (major.minor.patch) */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The release of a versioned dir (`<prefix><version>`), e.g. /usr/local/kafka_2.13-3.9.1 → 3.9.1. */
export function versionOfDir(dir: string | undefined, prefix: string): string | undefined {
  if (!dir || !dir.startsWith(prefix)) return undefined;
  const v = dir.slice(prefix.length);
  return /^\d+\.\d+(\.\d+)?$/.test(v) ? v : undefined;
}

export interface HostRelease {
  host: string;
  /** the release its install link points at (undefined: not installed yet) */
  installed?: string;
}

/** `component`'s upgrade to `target` is refused when a host would move to a newer release and `problems` (what the running cluster lacks) is not empty. */
export function refuseUnhealthyUpgrade(component: string, target: string, hosts: readonly HostRelease[], problems: readonly string[]): { reason: string; hint: string } | undefined {
  const upgrading = hosts.filter((h) => h.installed !== undefined && compareVersions(target, h.installed) > 0);
  if (upgrading.length === 0 || problems.length === 0) return undefined;
  const from = [...new Set(upgrading.map((h) => h.installed!))].join(', ');
  return {
    reason: `refusing to upgrade ${component} ${from} → ${target} while the cluster is not healthy: ${problems.join('; ')}`,
    hint: `bring every ${component === 'Kafka' ? 'broker back (zkk status shows which) and wait for 0 under-replicated partitions' : 'server back into the ensemble (zkk status shows which)'}, then deploy again; nothing was changed`,
  };
}
