/**
 * Run many probes in one remote command and split the output back per probe.
 * Output sections are delimited by a per-call random marker, so no probe output can
 * be mistaken for a delimiter.
 */
import { randomBytes } from 'node:crypto';
import { script } from '../shell/command.js';
import type { CommandRunner as Connector, ExecOptions } from '../shell/command-runner.js';
import type { Probe } from './probes.js';

export class Facts {
  private readonly values = new Map<string, unknown>();
  set(key: string, value: unknown): void {
    this.values.set(key, value);
  }
  has(key: string): boolean {
    return this.values.has(key);
  }
  get<T>(probe: Probe<T>): T {
    if (!this.values.has(probe.key)) throw new Error(`fact ${probe.key} was not gathered`);
    return this.values.get(probe.key) as T;
  }
}

export async function gatherFacts(conn: Connector, probes: readonly Probe<unknown>[], into = new Facts(), opts: Pick<ExecOptions, 'timeoutMs'> = {}): Promise<Facts> {
  const unique = [...new Map(probes.map((p) => [p.key, p])).values()];
  if (unique.length === 0) return into;
  const marker = `@@zkk-${randomBytes(6).toString('hex')}`;
  const body = unique.map((p, i) => `echo '${marker} ${i}'\n${p.script}`).join('\n');
  const res = await conn.exec(script(`${body}\necho '${marker} end'`, `gather ${unique.length} facts`), { check: false, timeoutMs: opts.timeoutMs });
  const sections = splitSections(res.stdout, marker);
  if (!sections.has('end')) {
    throw new Error(`fact gathering on ${conn.host} ended early (exit ${res.code}): ${res.stderr.slice(-500)}`);
  }
  unique.forEach((p, i) => into.set(p.key, p.parse(sections.get(String(i)) ?? '')));
  return into;
}

export function splitSections(stdout: string, marker: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${marker} `)) {
      if (current !== undefined) out.set(current, buf.join('\n'));
      current = line.slice(marker.length + 1);
      buf = [];
    } else if (current !== undefined) buf.push(line);
  }
  if (current !== undefined) out.set(current, buf.join('\n'));
  return out;
}
