/**
 * Renders engine events: listr2 progress per host on a TTY, plain timestamped lines
 * otherwise (CI), nothing but the final JSON with --json. Then the recap.
 */
import { Listr } from 'listr2';
import type { EngineEvent } from '../engine/events.js';
import type { RunReport } from '../engine/run.js';
import { colors, table } from './table.js';

export interface RendererOptions {
  json: boolean;
  tty: boolean;
  verbose: boolean;
  /** Plan: list, per host and step, the exact commands and uploads deploy would run. */
  commands?: boolean;
  hosts: string[];
  out?: NodeJS.WritableStream;
}

export interface RunRenderer {
  onEvent(e: EngineEvent): void;
  /** Called once the run ended; prints the recap (or JSON). */
  finish(report: RunReport): Promise<void>;
}

export function createRunRenderer(opts: RendererOptions): RunRenderer {
  if (opts.json) return jsonRenderer(opts);
  return opts.tty ? ttyRenderer(opts) : plainRenderer(opts);
}

const ts = () => new Date().toISOString().slice(11, 23);

function describe(e: EngineEvent): string | undefined {
  switch (e.type) {
    case 'stage':
      return `== ${e.stage}${e.role ? ` ${e.role}` : ''}`;
    case 'host-connected':
      return `${e.host}: connected (${e.ms} ms)`;
    case 'host-failed':
      return `${e.host}: FAILED ${e.error}`;
    case 'step':
      return `${e.host}: ${e.id} ${e.planned && e.status === 'changed' ? 'will change' : e.status}: ${e.detail}`;
    case 'info':
      return `${e.host ? `${e.host}: ` : ''}${e.message}`;
    case 'warning':
      return `WARNING ${e.message}`;
    case 'verify':
      return `verify ${e.check.name}${e.check.host ? ` ${e.check.host}` : ''}: ${e.check.ok ? 'ok' : 'FAILED'} — ${e.check.detail}`;
  }
}

function plainRenderer(opts: RendererOptions): RunRenderer {
  const out = opts.out ?? process.stdout;
  return {
    onEvent(e) {
      if (e.type === 'step' && (e.status === 'ok' || e.planned) && !opts.verbose) return;
      const line = describe(e);
      if (line) out.write(`[${ts()}] ${line}\n`);
    },
    async finish(report) {
      out.write(`\n${recap(report, false, opts.commands)}\n`);
    },
  };
}

function jsonRenderer(opts: RendererOptions): RunRenderer {
  const out = opts.out ?? process.stdout;
  return {
    onEvent() {},
    async finish(report) {
      out.write(`${JSON.stringify(report, null, 2)}\n`);
    },
  };
}

function ttyRenderer(opts: RendererOptions): RunRenderer {
  const out = opts.out ?? process.stdout;
  const c = colors(true);
  const state = new Map<string, { title: (t: string) => void; done: () => void; fail: (m: string) => void }>();
  let stageLine = '';
  const list = new Listr(
    opts.hosts.map((host) => ({
      title: host,
      task: (_ctx: unknown, task: { title: string; output: string }) =>
        new Promise<void>((resolve, reject) => {
          state.set(host, {
            title: (t) => (task.output = t),
            done: () => resolve(),
            fail: (m) => reject(new Error(m)),
          });
        }),
    })),
    { concurrent: true, exitOnError: false, rendererOptions: { collapseSubtasks: false, showErrorMessage: true } as never },
  );
  const running = list.run().catch(() => undefined);
  const failed = new Set<string>();
  return {
    onEvent(e) {
      if (e.type === 'stage') stageLine = e.stage + (e.role ? ` ${e.role}` : '');
      else if (e.type === 'step' && !e.planned) state.get(e.host)?.title(`${stageLine}: ${e.id} ${e.status === 'changed' ? c.yellow('changed') : e.status}`);
      else if (e.type === 'info' && e.host) state.get(e.host)?.title(e.message);
      else if (e.type === 'host-failed') {
        failed.add(e.host);
        state.get(e.host)?.fail(`${e.host}: ${e.error.split('\n')[0]}`);
      }
    },
    async finish(report) {
      for (const h of report.hosts) if (!failed.has(h.name)) state.get(h.name)?.done();
      await running;
      out.write(`\n${recap(report, true, opts.commands)}\n`);
    },
  };
}

export function recap(report: RunReport, color: boolean, showCommands = false): string {
  const c = colors(color);
  const lines: string[] = [];
  if (report.mode === 'plan') {
    if (report.identities.length > 0) {
      lines.push(c.bold('ids (kept from the hosts; new hosts get their inventory id or the lowest free one):'));
      lines.push(
        ...table(
          ['host', 'role', 'id', 'from', ''],
          report.identities.map((i) => [i.host, i.role, `${i.what} ${i.id}`, i.source, `${i.unread ? 'not reached: not read on the host' : ''}${i.detail ?? ''}`]),
        )
          .split('\n')
          .map((l) => `  ${l}`),
        '',
      );
    }
    for (const h of report.hosts) {
      const changes = h.steps.filter((s) => s.status === 'changed');
      lines.push(c.bold(`${h.name} (${h.address}): ${h.status !== 'ok' ? c.red(h.status) : changes.length ? `${changes.length} change(s)` : 'no changes'}`));
      for (const s of h.steps.filter((x) => x.status === 'changed' || x.status === 'failed')) {
        if (s.status === 'failed') {
          lines.push(c.red(`  ✗ ${s.id}: ${s.detail}`));
          continue;
        }
        lines.push(`  ~ ${s.id}: ${s.detail}`);
        if (s.diff) lines.push(...s.diff.split('\n').map((l) => `      ${colorDiff(l, c)}`));
        if (showCommands) for (const cmd of s.commands ?? []) lines.push(...commandLines(cmd));
      }
      // a blocked step is already listed above (✗); its hint still helps
      if (h.error && h.error.code !== 'BLOCKED') lines.push(`  ${c.red(h.error.message as string)}`);
      if (h.error?.hint) lines.push(`  hint: ${h.error.hint}`);
    }
    for (const { role, steps } of report.clusterSteps ?? []) {
      lines.push(c.bold(`then, cluster-wide (${role}), in this order:`));
      steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
    }
    lines.push('');
  }
  lines.push(
    table(
      ['host', 'ok', report.mode === 'plan' ? 'to change' : 'changed', 'failed', 'status'],
      report.hosts.map((h) => [h.name, h.ok, h.changed, h.failed, h.status === 'ok' ? c.green('ok') : c.red(h.status)]),
    ),
  );
  const failedVerify = report.verify.filter((v) => !v.ok);
  if (report.verify.length > 0) {
    lines.push('', `verify: ${report.verify.length - failedVerify.length}/${report.verify.length} checks passed`);
    for (const v of report.verify) lines.push(`  ${v.ok ? c.green('✓') : c.red('✗')} ${v.name}${v.host ? ` ${v.host}` : ''}: ${v.detail}`);
  }
  const errors = report.hosts.filter((h) => h.error && report.mode !== 'plan');
  if (errors.length || report.clusterErrors.length) {
    lines.push('', c.red('errors:'));
    for (const h of errors) lines.push(`  ${h.name}: ${String(h.error!.message)}${h.error!.command ? `\n    command: ${String(h.error!.command)}` : ''}${h.error!.stderr ? `\n    | ${String(h.error!.stderr).split('\n').join('\n    | ')}` : ''}${h.error!.hint ? `\n    hint: ${String(h.error!.hint)}` : ''}`);
    for (const e of report.clusterErrors) lines.push(`  ${e}`);
  }
  const changed = report.hosts.reduce((n, h) => n + h.changed, 0);
  lines.push('', `${report.mode === 'plan' ? `${changed} change(s) pending` : `${changed} changed`} on ${report.hosts.length} host(s) in ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/** `    $ first line` and the script's further lines indented under it. */
function commandLines(listing: string): string[] {
  return listing.split('\n').map((l, i) => (i === 0 ? `    $ ${l}` : `      ${l}`));
}

function colorDiff(l: string, c: ReturnType<typeof colors>): string {
  if (l.startsWith('+') && !l.startsWith('+++')) return c.green(l);
  if (l.startsWith('-') && !l.startsWith('---')) return c.red(l);
  if (l.startsWith('@@')) return c.cyan(l);
  return l;
}
