/**
 * Typed API over test/lab/lab.sh for vitest tests (the lab needs root).
 *
 *   const lab = await labUp();                  // zk1 zk2 zk3, idempotent
 *   const r = await labSsh('zk1', 'hostname');  // { stdout, stderr, code }
 *   await cut('zk2'); await heal('zk2');
 *   await labDown();
 *
 * Every function runs `bash test/lab/lab.sh …`; the environment (ZKK_LAB_STATE,
 * ZKK_FIXTURES) passes through. Commands that change the lab throw on failure;
 * labSsh/labExec never throw for a non-zero exit: they report it in `code`.
 */
import { execFile, spawn, type ChildProcess, type ExecFileException } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const LAB_SCRIPT = fileURLToPath(new URL('./lab.sh', import.meta.url));

export interface LabHost {
  name: string;
  address: string;
}

export interface LabInfo {
  /** State directory (ZKK_LAB_STATE, default /var/lib/zkk-lab). */
  state: string;
  /** Every host the lab knows (hosts.tsv order), running or not. */
  hosts: LabHost[];
  /** ssh_config for `ssh -F`: Host entries, User root, strict host keys, BatchMode. */
  sshConfig: string;
  /** The client's private key (ed25519). */
  key: string;
  knownHosts: string;
  /** zkk inventory of the lab cluster (first 3 hosts zookeeper + kafka, others kafka). */
  inventory: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; 255 for ssh's own failures (connect, host key), -1 if killed by timeout. */
  code: number;
}

export type HostState = 'up' | 'down' | 'cut' | 'partitioned' | 'paused';

export interface LabHostStatus extends LabHost {
  state: HostState;
  /** sshd answered with its banner within 1 s. */
  sshd: boolean;
}

export interface RunOptions {
  /** Kill the command after this many ms (default: none for exec, 300 s for ssh). */
  timeoutMs?: number;
  /** Text written to the command's stdin. */
  input?: string;
}

export interface SshOptions extends RunOptions {
  /** ssh ConnectTimeout in seconds (the config says 5). */
  connectTimeout?: number;
  /** Extra ssh options, e.g. ['-o', 'ServerAliveCountMax=1']. */
  sshArgs?: string[];
}

function run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 0, killSignal: 'SIGKILL' },
      (err: ExecFileException | null, stdout: string, stderr: string) => {
        if (err && typeof err.code !== 'number' && !err.killed && err.signal == null) {
          reject(err); // could not spawn at all
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    child.stdin?.on('error', () => {}); // command may exit before reading its input
    child.stdin?.end(opts.input ?? '');
  });
}

/** Run a lab.sh subcommand; throws with lab.sh's stderr when it fails. */
export async function lab(...args: string[]): Promise<string> {
  const r = await run('bash', [LAB_SCRIPT, ...args]);
  if (r.code !== 0) {
    throw new Error(`lab.sh ${args.join(' ')} exited ${r.code}\n${r.stderr.trim()}`);
  }
  return r.stdout;
}

/*
 * The lease: one test session at a time uses the lab. Several vitest processes (other
 * developers on the same machine, a watch mode) would otherwise tear down or fault each
 * other's hosts. labUp() takes an exclusive flock on STATE/.lease, held by a `flock … cat`
 * child until labDown() (or until this process exits: the pipe closes, cat ends, the lock
 * goes). It is marked in ZKK_LAB_LEASE=held, which child processes inherit, so vitest
 * workers forked by a globalSetup that called labUp() share their parent's lease; and
 * lab.sh down refuses (exit 75) while another session holds it.
 */
const LEASE = Symbol.for('zkk.lab.lease');
type Lease = { child: ChildProcess };
const g = globalThis as unknown as Record<symbol, Lease | undefined>;

async function acquireLease(state: string): Promise<void> {
  if (process.env.ZKK_LAB_LEASE === 'held') return; // ours, or an ancestor process's
  const waitS = Number(process.env.ZKK_LAB_LEASE_TIMEOUT ?? 1800);
  const lockFile = `${state}/.lease`;
  await mkdir(state, { recursive: true });
  const child = spawn('flock', ['-x', '-w', String(waitS), lockFile, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let announced = false;
  const timer = setTimeout(async () => {
    announced = true;
    const owner = await readFile(`${lockFile}.owner`, 'utf8').catch(() => 'unknown');
    console.warn(`[lab] waiting (up to ${waitS} s) for the lab: in use by ${owner.trim()}`);
  }, 2000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the lab is still in use after ${waitS} s (flock exit ${code}; see ${lockFile}.owner)`)));
    });
  } finally {
    clearTimeout(timer);
  }
  if (announced) console.warn('[lab] lab is free now');
  child.removeAllListeners('exit');
  child.stdin!.on('error', () => {});
  // never keep this process alive for the lease alone
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  g[LEASE] = { child };
  process.env.ZKK_LAB_LEASE = 'held';
  await writeFile(`${lockFile}.owner`, `pid ${process.pid} since ${new Date().toISOString()}: ${process.argv.slice(1).join(' ')}\n`);
}

function releaseLease(): void {
  const lease = g[LEASE];
  if (!lease) return; // not ours (none, or an ancestor's)
  lease.child.stdin?.end();
  g[LEASE] = undefined;
  delete process.env.ZKK_LAB_LEASE;
}

/**
 * Boot hosts (default zk1 zk2 zk3); running hosts are left alone, new names added.
 * Waits first until no other test session holds the lab (see the lease above).
 */
export async function labUp(names?: string[]): Promise<LabInfo> {
  await acquireLease((await labPaths()).state);
  await lab('up', ...(names ?? []));
  return labInfo();
}

/**
 * Tear the lab down: processes, namespaces, links, mounts and (unless keepState) disks;
 * then release the lease. If another session holds the lab now, nothing is torn down.
 */
export async function labDown(opts: { keepState?: boolean } = {}): Promise<void> {
  const r = await run('bash', [LAB_SCRIPT, 'down', ...(opts.keepState ? ['--keep-state'] : [])]);
  releaseLease();
  if (r.code === 75) {
    console.warn(`[lab] down skipped: ${r.stderr.trim()}`);
    return;
  }
  if (r.code !== 0) throw new Error(`lab.sh down exited ${r.code}\n${r.stderr.trim()}`);
}

type LabPaths = Omit<LabInfo, 'hosts'>;
const pathsCache = new Map<string, Promise<LabPaths>>();

/** The lab's file paths; they depend only on ZKK_LAB_STATE, so they are asked once. */
function labPaths(): Promise<LabPaths> {
  const key = process.env.ZKK_LAB_STATE ?? '';
  let p = pathsCache.get(key);
  if (!p) {
    p = lab('env').then((out) => {
      const env = new Map<string, string>();
      for (const line of out.split('\n')) {
        const m = /^(LAB_[A-Z_]+)=(.*)$/.exec(line);
        if (m) env.set(m[1], m[2]); // paths are plain (lab.sh refuses others): %q adds nothing
      }
      const get = (k: string): string => {
        const v = env.get(k);
        if (!v) throw new Error(`lab.sh env did not print ${k}`);
        return v;
      };
      return {
        state: get('LAB_STATE'),
        sshConfig: get('LAB_SSH_CONFIG'),
        key: get('LAB_KEY'),
        knownHosts: get('LAB_KNOWN_HOSTS'),
        inventory: get('LAB_INVENTORY'),
      };
    });
    p.catch(() => pathsCache.delete(key));
    pathsCache.set(key, p);
  }
  return p;
}

/** Paths and hosts of the lab (works whether or not hosts are running). */
export async function labInfo(): Promise<LabInfo> {
  const [paths, hostsOut] = await Promise.all([labPaths(), lab('hosts')]);
  const hosts = hostsOut
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[0] !== '')
    .map(([name, address]) => ({ name, address }));
  return { ...paths, hosts };
}

/** One entry per known host: state and whether sshd answers. */
export async function labStatus(): Promise<LabHostStatus[]> {
  const out = await lab('status');
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name, address, state, sshd] = l.trim().split(/\s+/);
      return { name, address, state: state as HostState, sshd: sshd === 'sshd=yes' };
    });
}

/** Run a shell command on a host over ssh, exactly as a user of the lab would. */
export async function labSsh(host: string, command: string, opts: SshOptions = {}): Promise<RunResult> {
  const { sshConfig } = await labPaths();
  const args = ['-F', sshConfig];
  if (opts.connectTimeout !== undefined) args.push('-o', `ConnectTimeout=${opts.connectTimeout}`);
  // "--" before the destination: nothing after it is parsed as an ssh option
  args.push(...(opts.sshArgs ?? []), '--', host, command);
  return run('ssh', args, { timeoutMs: 300_000, ...opts });
}

/**
 * Run a command inside a host with nsenter (no network needed: works while cut or
 * partitioned). A string runs with `bash -c`; an array is the argv.
 */
export async function labExec(host: string, command: string | string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = typeof command === 'string' ? ['bash', '-c', command] : command;
  return run('bash', [LAB_SCRIPT, 'exec', host, ...argv], opts);
}

/** Unplug the host (bridge-side veth down). */
export const cut = (host: string): Promise<void> => lab('cut', host).then(() => undefined);
/** Replug the host and undo a partition. */
export const heal = (host: string): Promise<void> => lab('heal', host).then(() => undefined);
/** Blackhole traffic between the host and its peers; the machine still reaches it. */
export const partition = (host: string): Promise<void> => lab('partition', host).then(() => undefined);
/** Graceful shutdown (init.d stop, TERM, KILL after a grace) or, with hard, a power cut. */
export const stopHost = (host: string, opts: { hard?: boolean } = {}): Promise<void> =>
  lab('stop', host, ...(opts.hard ? ['--hard'] : [])).then(() => undefined);
/** Boot a stopped host: sshd, then its own /etc/rc2.d/S* services. */
export const startHost = (host: string): Promise<void> => lab('start', host).then(() => undefined);
/** SIGSTOP every process of the host. */
export const pause = (host: string): Promise<void> => lab('pause', host).then(() => undefined);
/** SIGCONT every process of the host. */
export const resume = (host: string): Promise<void> => lab('resume', host).then(() => undefined);
/** Give the host a new ssh host key; known_hosts keeps the old one (so ssh must refuse). */
export const regenHostKey = (host: string): Promise<void> => lab('regen-hostkey', host).then(() => undefined);
/** Record the host's current key in known_hosts again (undo the effect of regenHostKey). */
export const trustHost = (host: string): Promise<void> => lab('trust', host).then(() => undefined);
