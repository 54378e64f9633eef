/** Shared by the end-to-end tests: run the real CLI, write inventories for the lab. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { LabInfo } from '../lab/lab.js';
import { T } from './target.js';
import type { RunReport } from '../../src/engine/run.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ZKK = path.join(ROOT, 'bin/zkk.js');
export const FIXTURES = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
export const MIRROR = path.join(FIXTURES, 'mirror');

export function fixtureVersions(): { zookeeper: string; kafka3: string; kafka4: string; zookeeper38: string; zookeeper39: string; kafka3prev: string; kafka4prev: string } {
  const env = readFileSync(path.join(FIXTURES, 'versions.env'), 'utf8');
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(env)?.[1]?.trim() ?? '';
  return {
    zookeeper: get('ZK_VERSION'),
    kafka3: get('KAFKA3_VERSION'),
    kafka4: get('KAFKA4_VERSION'),
    // the upgrade paths (test/fixtures/build.sh)
    zookeeper38: get('ZK38_VERSION'),
    zookeeper39: get('ZK39_VERSION'),
    kafka3prev: get('KAFKA3_PREV_VERSION'),
    kafka4prev: get('KAFKA4_PREV_VERSION'),
  };
}

export interface ZkkResult {
  code: number;
  stdout: string;
  stderr: string;
  report?: RunReport;
}

export function runZkk(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ZkkResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ZKK, ...args],
      { timeout: opts.timeoutMs ?? T(600_000), maxBuffer: 64 << 20, env: { ...process.env, CI: '1', ...opts.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
        let report: RunReport | undefined;
        if (args.includes('--json')) {
          try {
            report = JSON.parse(stdout) as RunReport;
          } catch {
            /* not JSON: left undefined, the test will show stdout */
          }
        }
        resolve({ code, stdout, stderr, report });
      },
    );
  });
}

export interface LabHostSpec {
  name: string;
  roles: string[];
  [k: string]: unknown;
}

/**
 * An inventory for the target's hosts (lab or VMs, see target.ts), in a fresh temp dir (the
 * KRaft cluster id file lands beside it). The login user is root on the lab, vagrant (sudo) on VMs.
 */
export function writeLabInventory(info: LabInfo & { user?: string }, hosts: LabHostSpec[], extra: Record<string, unknown>, dir?: string): string {
  const d = dir ?? mkdtempSync(path.join(os.tmpdir(), 'zkk-e2e-'));
  const file = path.join(d, 'inventory.yml');
  const addr = new Map(info.hosts.map((h) => [h.name, h.address]));
  const doc = {
    cluster: 'e2e',
    ssh: { user: info.user ?? 'root', identityFile: info.key, knownHosts: info.knownHosts, config: false, connectTimeout: 5, connectRetries: 0 },
    hosts: hosts.map(({ name, roles, ...rest }) => ({ name, address: addr.get(name), roles, ...rest })),
    // VMs have no network out and no Java: zkk uploads the JDK tarball test/vagrant/run.sh built
    ...(process.env.ZKK_E2E_JAVA_ARCHIVE ? { java: { archive: process.env.ZKK_E2E_JAVA_ARCHIVE } } : {}),
    ...extra,
  };
  writeFileSync(file, stringify(doc));
  return file;
}

/** Why a zkk run did not exit 0, for an assertion message: stderr, cluster errors, failed hosts/steps and verify checks. */
export function whyFailed(r: ZkkResult): string {
  if (!r.report) return `${r.stderr}\n--- stdout\n${r.stdout.slice(-4000)}`;
  const rep = r.report;
  const hosts = rep.hosts.filter((h) => h.status !== 'ok').map((h) => ({ host: h.name, status: h.status, error: h.error, failed: h.steps.filter((s) => s.status === 'failed') }));
  return JSON.stringify({ stderr: r.stderr.slice(-2000), clusterErrors: rep.clusterErrors, hosts, verifyFailed: rep.verify.filter((c) => !c.ok) }, null, 1);
}

export function changedSteps(report: RunReport): { host: string; id: string }[] {
  return report.hosts.flatMap((h) => h.steps.filter((s) => s.status === 'changed').map((s) => ({ host: h.name, id: s.id })));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
