/** `zkk doctor` as a table: one row per check, grouped by host, then a one-line summary. */
import type { DoctorReport } from '../engine/doctor/run-doctor.js';
import { colors, table } from './table.js';

export function renderDoctor(r: DoctorReport, opts: { color: boolean }): string {
  const c = colors(opts.color);
  const mark = { ok: c.green('ok'), warn: c.yellow('warn'), fail: c.red('FAIL') };
  const order = new Map(r.hosts.map((h, i) => [h.name, i]));
  const rows = [...r.checks]
    .sort((a, b) => (order.get(a.host) ?? 0) - (order.get(b.host) ?? 0))
    .map((k) => [k.host, k.check, mark[k.verdict], k.detail, k.fix ?? '']);
  const s = r.summary;
  const verdict = s.fail ? c.red(`${s.fail} failed`) : s.warn ? c.yellow('no failures') : c.green('all ok');
  return `${table(['host', 'check', 'verdict', 'detail', 'fix'], rows)}\n\n${r.cluster}: ${verdict} — ${s.ok} ok, ${s.warn} warn, ${s.fail} fail (${r.hosts.length} hosts, ${(r.durationMs / 1000).toFixed(1)} s)`;
}
