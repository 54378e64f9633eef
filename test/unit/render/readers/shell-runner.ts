/** Run rendered shell text with the real shells a host may have as /bin/sh. */
import { spawnSync } from 'node:child_process';

export const POSIX_SHELLS = (['dash', 'bash'] as const).filter((sh) => spawnSync(sh, ['-c', 'true']).status === 0);

/** `sh -n` with every available shell (bash in POSIX mode); returns the complaints. */
export function syntaxProblems(script: string): string[] {
  const problems: string[] = [];
  for (const sh of POSIX_SHELLS) {
    const args = sh === 'bash' ? ['--posix', '-n'] : ['-n'];
    const r = spawnSync(sh, args, { input: script, encoding: 'utf8' });
    if (r.status !== 0) problems.push(`${sh}: ${r.stderr.trim()}`);
  }
  return problems;
}

/**
 * Run a script in a sandbox (cwd and HOME a temp dir, a minimal PATH) and print the named
 * variables at its end, NUL-separated: what the assignments really assigned.
 */
export function runAndDump(shell: string, script: string, variables: readonly string[], sandbox: string, args: string[] = []): { values: Record<string, string>; status: number | null; stderr: string } {
  const dump = `\nprintf '%s\\0' ${variables.map((v) => `"$${v}"`).join(' ')}\n`;
  const r = spawnSync(shell, ['-c', script + dump, 'rendered-script', ...args], {
    cwd: sandbox,
    env: { PATH: '/usr/bin:/bin', HOME: sandbox },
    encoding: 'utf8',
    timeout: 10_000,
  });
  const parts = (r.stdout ?? '').split('\0');
  const values: Record<string, string> = {};
  variables.forEach((v, i) => (values[v] = parts[i] ?? '<missing>'));
  return { values, status: r.status, stderr: r.stderr ?? '' };
}

/** Run a whole script with arguments in the sandbox; returns status and output. */
export function runScript(shell: string, scriptFile: string, args: string[], sandbox: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(shell, [scriptFile, ...args], { cwd: sandbox, env: { PATH: '/usr/bin:/bin', HOME: sandbox }, encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
