/**
 * `zkk metrics targets inventory.yml`: the cluster's Prometheus endpoints (metrics.enabled)
 * as a file_sd target file on stdout (no connection). An inventory without metrics.enabled
 * has none: exit 2 with the key to set.
 */
import { ZkkError } from '../errors/zkk-error.js';
import { loadInventory } from '../inventory/load.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { fileSdTargets } from '../engine/metrics-endpoints.js';

export async function metricsTargetsCommand(file: string): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  if (!inv.metrics.enabled) throw new ZkkError('NO_METRICS', `${file}: metrics are not enabled, so the cluster has no Prometheus endpoint`, { exitCode: 2, hint: 'set metrics: { enabled: true } in the inventory and deploy' });
  process.stdout.write(`${JSON.stringify(fileSdTargets(inv), null, 2)}\n`);
}
