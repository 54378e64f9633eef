/**
 * Where the end-to-end suite runs: ZKK_E2E_TARGET=lab (default: the netns lab, root
 * logins, init.d) or vagrant (real VMs from test/vagrant: their own kernel, systemd, a
 * `vagrant` login going through sudo, slow emulated CPUs). The tests ask this module for
 * hosts, a root shell on them and the faults they inject; they never call the lab
 * directly, so one suite runs on both.
 *
 * vagrant: test/vagrant/run.sh brings the VMs up and writes $ZKK_VAGRANT_TARGET (default
 * /var/cache/zkk-vagrant/state/target.json): the VMs (name, address, libvirt domain), the
 * ssh_config from `vagrant ssh-config`, the key, the login user and a known_hosts file.
 * The names a test asks for (zk1, k1, …) are given the VMs in order; "down" does not
 * destroy a VM (minutes under TCG) but wipes what zkk installed (the JDK stays, as the
 * lab hosts keep the machine's Java).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as lab from '../lab/lab.js';
import type { LabInfo, RunResult } from '../lab/lab.js';

export type TargetName = 'lab' | 'vagrant';
export const TARGET: TargetName = process.env.ZKK_E2E_TARGET === 'vagrant' ? 'vagrant' : 'lab';

export interface TargetInfo extends LabInfo {
  /** The login user the inventories use (root on the lab, vagrant + sudo on the VMs). */
  user: string;
}

interface Target {
  /** How many hosts the target can give at once. */
  maxHosts(): number;
  /** Factor for test timeouts (TCG guests are ~8× slower than the machine). */
  slow: number;
  up(names: string[]): Promise<TargetInfo>;
  down(): Promise<void>;
  /** A shell command on a host, as root. */
  ssh(host: string, command: string, opts?: lab.SshOptions): Promise<RunResult>;
  cut(host: string): Promise<void>;
  heal(host: string): Promise<void>;
  regenHostKey(host: string): Promise<void>;
  trustHost(host: string): Promise<void>;
}

const labTarget: Target = {
  maxHosts: () => 16,
  slow: 1,
  up: async (names) => ({ ...(await lab.labUp(names)), user: 'root' }),
  down: () => lab.labDown(),
  ssh: (host, command, opts) => lab.labSsh(host, command, opts),
  cut: lab.cut,
  heal: lab.heal,
  regenHostKey: lab.regenHostKey,
  trustHost: lab.trustHost,
};

interface VagrantVm {
  name: string;
  address: string;
  domain: string;
}
interface VagrantState {
  sshConfig: string;
  key: string;
  knownHosts: string;
  user: string;
  vms: VagrantVm[];
}

function run(file: string, args: string[], timeoutMs = 300_000, input = ''): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ stdout, stderr, code });
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Everything zkk puts on a host, except the JDK (the lab hosts keep the machine's Java too). */
const WIPE = [
  'systemctl stop kafka zookeeper 2>/dev/null',
  'systemctl disable kafka zookeeper 2>/dev/null',
  'rm -f /etc/systemd/system/kafka.service /etc/systemd/system/zookeeper.service /etc/init.d/kafka /etc/init.d/zookeeper',
  'systemctl daemon-reload; systemctl reset-failed 2>/dev/null',
  'rm -rf /usr/local/zookeeper /usr/local/zookeeper-* /usr/local/kafka /usr/local/kafka_* /etc/zookeeper /etc/kafka /var/lib/zookeeper /var/lib/kafka /var/log/zookeeper /var/log/kafka',
  'rm -f /var/cache/zkk/apache-zookeeper-* /var/cache/zkk/kafka_*',
  'userdel kafka 2>/dev/null; userdel zookeeper 2>/dev/null; groupdel kafka 2>/dev/null; groupdel zookeeper 2>/dev/null',
  'true',
].join('; ');

function vagrantTarget(): Target {
  const file = process.env.ZKK_VAGRANT_TARGET ?? '/var/cache/zkk-vagrant/state/target.json';
  let state: VagrantState | undefined;
  const st = (): VagrantState => {
    if (!state) {
      try {
        state = JSON.parse(readFileSync(file, 'utf8')) as VagrantState;
      } catch (e) {
        throw new Error(`ZKK_E2E_TARGET=vagrant but ${file} is unreadable (${(e as Error).message}): run the suite with npm run test:vagrant`);
      }
    }
    return state;
  };
  /** test host name → VM, given out in the order up() was asked */
  const assigned = new Map<string, VagrantVm>();
  const vm = (host: string): VagrantVm => {
    const v = assigned.get(host) ?? st().vms.find((x) => x.name === host);
    if (!v) throw new Error(`no VM for host ${host} (known: ${[...assigned.keys()].join(', ') || 'none'})`);
    return v;
  };
  const ssh = (host: string, command: string, opts: lab.SshOptions = {}) => {
    const s = st();
    const args = ['-F', s.sshConfig, '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${opts.connectTimeout ?? 10}`, ...(opts.sshArgs ?? []), '--', vm(host).name, `sudo -n sh -c ${q(command)}`];
    return run('ssh', args, opts.timeoutMs ?? 300_000, opts.input);
  };
  const setLink = async (host: string, state: 'up' | 'down') => {
    const dom = vm(host).domain;
    const list = await run('virsh', ['-q', '-c', 'qemu:///system', 'domiflist', dom]);
    const iface = list.stdout.trim().split('\n')[0]?.trim().split(/\s+/)[0];
    if (list.code !== 0 || !iface) throw new Error(`virsh domiflist ${dom}: ${list.stderr || list.stdout}`);
    const r = await run('virsh', ['-q', '-c', 'qemu:///system', 'domif-setlink', dom, iface, state]);
    if (r.code !== 0) throw new Error(`virsh domif-setlink ${dom} ${iface} ${state}: ${r.stderr}`);
  };
  return {
    maxHosts: () => st().vms.length,
    slow: Number(process.env.ZKK_E2E_SLOW ?? 4),
    async up(names) {
      const s = st();
      if (names.length > s.vms.length) throw new Error(`${names.length} hosts wanted, ${s.vms.length} VMs up (ZKK_VAGRANT_VMS)`);
      assigned.clear();
      names.forEach((n, i) => assigned.set(n, s.vms[i]!));
      return {
        state: '',
        sshConfig: s.sshConfig,
        key: s.key,
        knownHosts: s.knownHosts,
        inventory: '',
        user: s.user,
        hosts: names.map((n) => ({ name: n, address: assigned.get(n)!.address })),
      };
    },
    async down() {
      const vms = st().vms;
      const rs = await Promise.all(vms.map((v) => ssh(v.name, WIPE, { timeoutMs: 300_000 })));
      rs.forEach((r, i) => {
        if (r.code !== 0) throw new Error(`wiping ${vms[i]!.name} failed (${r.code}): ${r.stderr}`);
      });
    },
    ssh,
    cut: (host) => setLink(host, 'down'),
    heal: (host) => setLink(host, 'up'),
    async regenHostKey(host) {
      const r = await ssh(host, 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh');
      if (r.code !== 0) throw new Error(`regen host key on ${host}: ${r.stderr}`);
    },
    async trustHost(host) {
      const s = st();
      const addr = vm(host).address;
      const scan = await run('ssh-keyscan', ['-T', '10', addr]);
      const keys = scan.stdout.split('\n').filter((l) => l.startsWith(`${addr} `));
      if (keys.length === 0) throw new Error(`ssh-keyscan ${addr}: ${scan.stderr}`);
      let old = '';
      try {
        old = readFileSync(s.knownHosts, 'utf8');
      } catch {
        /* none yet */
      }
      const kept = old.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(`${addr} `));
      writeFileSync(s.knownHosts, [...kept, ...keys, ''].join('\n'));
    },
  };
}

const target: Target = TARGET === 'vagrant' ? vagrantTarget() : labTarget;

export const hostsUp = (names: string[]): Promise<TargetInfo> => target.up(names);
export const hostsDown = (): Promise<void> => target.down();
/** A shell command on a host as root (sudo on the VMs); never throws for a non-zero exit. */
export const hostSsh = (host: string, command: string, opts?: lab.SshOptions): Promise<RunResult> => target.ssh(host, command, opts);
export const cut = (host: string): Promise<void> => target.cut(host);
export const heal = (host: string): Promise<void> => target.heal(host);
export const regenHostKey = (host: string): Promise<void> => target.regenHostKey(host);
export const trustHost = (host: string): Promise<void> => target.trustHost(host);
/** A timeout scaled for the target (lab: as written; VMs: ZKK_E2E_SLOW times, default 4). */
export const T = (ms: number): number => Math.round(ms * target.slow);
/** Whether the target can give this many hosts at once (else the test is skipped, saying why). */
export const canHost = (n: number): boolean => TARGET === 'lab' || target.maxHosts() >= n;
/** The command that starts/stops a service the way zkk installed it on this target. */
export const serviceCommand = (service: string, action: 'start' | 'stop'): string =>
  TARGET === 'vagrant' ? `systemctl ${action} ${service}` : `/etc/init.d/${service} ${action}`;
/** A regexp-safe literal. */
export const re = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
