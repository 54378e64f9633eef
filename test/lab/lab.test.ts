/**
 * Self-test of the lab (test/lab/lab.sh via lab.ts). Needs root. It injects faults into
 * zk1..zk3 and ends with `down`, which tears the WHOLE lab down. Another test session
 * (lab.ts lease) is waited for by labUp; but hosts running WITHOUT a session (someone's
 * `npm run lab up`) make it skip, unless ZKK_LAB_SELFTEST=1.
 *   npx vitest run test/lab/lab.test.ts
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  cut,
  heal,
  labDown,
  labExec,
  labInfo,
  labSsh,
  labStatus,
  labUp,
  partition,
  pause,
  regenHostKey,
  resume,
  startHost,
  stopHost,
  trustHost,
  LAB_SCRIPT,
  type LabInfo,
} from './lab.js';
import { inventorySections } from '../../src/roles/all-roles.js';

const isRoot = process.getuid?.() === 0;
const T = 60_000;

/** another process holds the lab's lease (a test session in progress) */
function leaseBusy(state: string): boolean {
  try {
    execFileSync('flock', ['-n', `${state}/.lease`, 'true'], { env: { ...process.env, ZKK_LAB_LEASE: '' } });
    return false;
  } catch {
    return true;
  }
}

const running = isRoot ? (await labStatus()).filter((h) => h.state !== 'down').map((h) => h.name) : [];
const manualLab = running.length > 0 && !leaseBusy((await labInfo()).state);
const skip = !isRoot || (manualLab && process.env.ZKK_LAB_SELFTEST !== '1');
if (skip) {
  console.warn(
    isRoot
      ? `lab self-test skipped: lab hosts ${running.join(' ')} are running outside a test session (in use?). ` +
          'Run `npm run lab down` first, or set ZKK_LAB_SELFTEST=1 to tear them down.'
      : 'lab self-test skipped: needs root',
  );
}

/** exit code of `bash -c 'exec 3<>/dev/tcp/IP/PORT'` inside HOST (0 = connected) */
async function tcpFrom(host: string, ip: string, port = 22): Promise<number> {
  const r = await labExec(host, `timeout 3 bash -c 'exec 3<>/dev/tcp/${ip}/${port}'`);
  return r.code;
}

async function stateOf(host: string): Promise<string | undefined> {
  return (await labStatus()).find((h) => h.name === host)?.state;
}

/** every process of the machine with its namespace links */
function processes(): { pid: string; ns: Record<string, string> }[] {
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const ns: Record<string, string> = {};
    for (const kind of ['pid', 'net', 'mnt']) {
      try {
        ns[kind] = readlinkSync(`/proc/${pid}/ns/${kind}`);
      } catch {
        // gone, or a zombie (no namespaces any more)
      }
    }
    out.push({ pid, ns });
  }
  return out;
}

describe.skipIf(skip).sequential('zkk lab', () => {
  let info: LabInfo;
  const hosts = ['zk1', 'zk2', 'zk3'];

  beforeAll(async () => {
    info = await labUp(hosts);
  }, 180_000);

  afterAll(async () => {
    await labDown(); // idempotent; leaves the machine clean even if a test failed
  }, T);

  it('boots 3 hosts that answer ssh with their own hostname', { timeout: T }, async () => {
    expect(info.hosts.slice(0, 3)).toEqual([
      { name: 'zk1', address: '10.213.0.11' },
      { name: 'zk2', address: '10.213.0.12' },
      { name: 'zk3', address: '10.213.0.13' },
    ]);
    const results = await Promise.all(hosts.map((h) => labSsh(h, 'hostname; id -un')));
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${hosts[i]}\nroot\n`);
    });
    // the generated files
    const known = readFileSync(info.knownHosts, 'utf8');
    for (const h of info.hosts) expect(known).toMatch(new RegExp(`^${h.name},${h.address.replace(/\./g, '\\.')} ssh-ed25519 AAAA`, 'm'));
    const cfg = readFileSync(info.sshConfig, 'utf8');
    expect(cfg).toMatch(/StrictHostKeyChecking yes/);
    expect(cfg).toMatch(/BatchMode yes/);
    // hosts see the machine's Java 17
    const java = await labSsh('zk1', 'java -version 2>&1');
    expect(java.stdout).toMatch(/version "17\./);
  });

  it('holds the lab: a down from outside this session is refused', { timeout: T }, async () => {
    const env = { ...process.env, ZKK_LAB_LEASE: '' };
    let code = 0;
    try {
      execFileSync('bash', [LAB_SCRIPT, 'down'], { env, stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(75);
    expect((await labStatus()).map((h) => h.state)).toEqual(['up', 'up', 'up']);
  });

  it('adds new names idempotently and writes a zkk inventory', { timeout: T }, async () => {
    const pidnsBefore = (await labExec('zk1', 'readlink /proc/1/ns/pid')).stdout;
    const grown = await labUp(['zk1', 'zk2', 'zk3', 'zk4']);
    expect(grown.hosts.map((h) => h.name)).toEqual(['zk1', 'zk2', 'zk3', 'zk4']);
    expect(grown.hosts[3].address).toBe('10.213.0.14');
    // zk1 was left alone (same PID 1), and learnt zk4's name
    expect((await labExec('zk1', 'readlink /proc/1/ns/pid')).stdout).toBe(pidnsBefore);
    expect((await labExec('zk1', 'getent hosts zk4')).stdout).toMatch(/^10\.213\.0\.14\s+zk4/);
    expect((await labSsh('zk4', 'hostname')).stdout).toBe('zk4\n');

    const text = readFileSync(grown.inventory, 'utf8');
    expect(text.split('\n')[0]).toBe('# generated by test/lab/lab.sh up — the built-in lab cluster');
    const fixtures = process.env.ZKK_FIXTURES ?? '/var/cache/zkk-fixtures';
    expect(parseYaml(text)).toEqual({
      cluster: 'lab',
      ssh: { user: 'root', identityFile: grown.key, knownHosts: grown.knownHosts },
      hosts: [
        { name: 'zk1', address: '10.213.0.11', roles: ['zookeeper', 'kafka'] },
        { name: 'zk2', address: '10.213.0.12', roles: ['zookeeper', 'kafka'] },
        { name: 'zk3', address: '10.213.0.13', roles: ['zookeeper', 'kafka'] },
        { name: 'zk4', address: '10.213.0.14', roles: ['kafka'] },
      ],
      zookeeper: { release: { mirror: `${fixtures}/mirror` } },
      kafka: { release: { mirror: `${fixtures}/mirror` } },
    });
    // zkk's own loader accepts it
    const { loadInventory } = await import('../../src/inventory/load.js');
    const inv = await loadInventory(grown.inventory, inventorySections);
    expect(inv.hosts.map((h) => h.address)).toEqual(['10.213.0.11', '10.213.0.12', '10.213.0.13', '10.213.0.14']);
  });

  it('keeps every host\'s files to itself', { timeout: T }, async () => {
    const tok = randomBytes(6).toString('hex');
    const paths = [`/data-${tok}/f`, `/root/f-${tok}`, `/tmp/f-${tok}`, `/etc/f-${tok}`, `/usr/local/bin/f-${tok}`];
    const w = await labSsh('zk1', paths.map((p) => `mkdir -p $(dirname ${p}) && echo ${tok} > ${p}`).join(' && '));
    expect(w.code, w.stderr).toBe(0);
    const test = paths.map((p) => `test -e ${p}`).join(' || ');
    expect((await labSsh('zk1', paths.map((p) => `test -e ${p}`).join(' && '))).code).toBe(0);
    expect((await labSsh('zk2', `if ${test}; then exit 1; fi`)).code).toBe(0);
    for (const p of paths) expect(existsSync(p), p).toBe(false);
    // fresh dirs: the machine's /root and /usr/local are not visible in a host
    const root = await labSsh('zk2', 'ls -A /root /usr/local/bin');
    expect(root.stdout).not.toMatch(/\.pyenv|\.npm/);
    // the lab's state dir is hidden (empty, read-only)
    const st = await labSsh('zk2', `ls -A ${info.state}; touch ${info.state}/x 2>/dev/null && echo writable`);
    expect(st.stdout).toBe('');
  });

  it('keeps hosts inside 10.213.0.0/24', { timeout: T }, async () => {
    const r = await labExec('zk1', 'ip -4 route; echo ---; ip -6 addr show dev eth0; echo ---; cat /etc/resolv.conf');
    const [routes, v6, resolv] = r.stdout.split('---\n');
    expect(routes.trim().split('\n')).toEqual([expect.stringMatching(/^10\.213\.0\.0\/24 dev eth0/)]);
    expect(v6.trim()).toBe('');
    expect(resolv).not.toMatch(/nameserver/);
    expect((await labExec('zk1', 'ip route get 1.1.1.1')).code).not.toBe(0);
    expect(await tcpFrom('zk1', '1.1.1.1', 53)).not.toBe(0);
    // the machine's other addresses are out of reach too
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('10.213.0.')) {
          expect(await tcpFrom('zk1', a.address, 22), a.address).not.toBe(0);
        }
      }
    }
    expect((await labExec('zk1', 'getent hosts deb.debian.org')).code).not.toBe(0);
    // even a host that adds a default route via the machine gets nowhere: no forwarding
    const esc = await labExec('zk1', `ip route add default via 10.213.0.1 && { timeout 2 bash -c 'exec 3<>/dev/tcp/1.1.1.1/53'; echo rc=$?; ip route del default; }`);
    expect(esc.stdout).toMatch(/rc=[1-9]/);
    // but the lab itself works: hosts reach each other and the machine's bridge address
    expect(await tcpFrom('zk1', '10.213.0.12')).toBe(0);
  });

  it('cut makes a host unreachable, heal brings it back', { timeout: T }, async () => {
    await cut('zk2');
    expect(await stateOf('zk2')).toBe('cut');
    const r = await labSsh('zk2', 'true', { connectTimeout: 2 });
    expect(r.code).toBe(255);
    expect(await tcpFrom('zk1', '10.213.0.12')).not.toBe(0);
    expect((await labExec('zk2', 'hostname')).stdout).toBe('zk2\n'); // nsenter still works
    await heal('zk2');
    expect(await stateOf('zk2')).toBe('up');
    expect((await labSsh('zk2', 'hostname')).stdout).toBe('zk2\n');
  });

  it('partition separates a host from its peers, not from the machine', { timeout: T }, async () => {
    await partition('zk3');
    expect(await stateOf('zk3')).toBe('partitioned');
    expect((await labSsh('zk3', 'hostname')).stdout).toBe('zk3\n');
    expect(await tcpFrom('zk1', '10.213.0.13')).not.toBe(0);
    expect(await tcpFrom('zk3', '10.213.0.11')).not.toBe(0);
    expect(await tcpFrom('zk1', '10.213.0.12')).toBe(0); // others unaffected
    await heal('zk3');
    expect(await stateOf('zk3')).toBe('up');
    expect(await tcpFrom('zk1', '10.213.0.13')).toBe(0);
    expect(await tcpFrom('zk3', '10.213.0.11')).toBe(0);
  });

  it('stop/start: sshd comes back and the host\'s own rc2.d service is stopped and started', { timeout: 2 * T }, async () => {
    const initScript = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          labmarker
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: lab test service
### END INIT INFO
P=/run/labmarker.pid L=/var/lib/labmarker/log
case "$1" in
  start) mkdir -p /var/lib/labmarker; echo start >> $L
         start-stop-daemon --start --background --make-pidfile --pidfile $P --exec /bin/sleep -- infinity ;;
  stop) if start-stop-daemon --stop --quiet --pidfile $P --retry 5; then echo stop-was-running >> $L; else echo stop-not-running >> $L; fi
        rm -f $P ;;
  status) start-stop-daemon --status --pidfile $P ;;
  *) exit 1 ;;
esac
`;
    const install = await labSsh(
      'zk3',
      'cat > /etc/init.d/labmarker && chmod 755 /etc/init.d/labmarker && update-rc.d labmarker defaults && /etc/init.d/labmarker start && ls /etc/rc2.d',
      { input: initScript },
    );
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/^S\d\dlabmarker$/m);

    await stopHost('zk3');
    expect(await stateOf('zk3')).toBe('down');
    expect((await labSsh('zk3', 'true', { connectTimeout: 2 })).code).toBe(255);
    await startHost('zk3');
    expect(await stateOf('zk3')).toBe('up');
    // boot services start in the background after sshd: wait for the daemon
    const afterBoot = 'for i in $(seq 100); do /etc/init.d/labmarker status && break; sleep 0.1; done; cat /var/lib/labmarker/log';
    let r = await labSsh('zk3', `${afterBoot}; /etc/init.d/labmarker status && echo running`);
    expect(r.stdout).toBe('start\nstop-was-running\nstart\nrunning\n');

    // power cut: no stop script runs; the disk survives; boot starts the service again
    await stopHost('zk3', { hard: true });
    expect(await stateOf('zk3')).toBe('down');
    await startHost('zk3');
    r = await labSsh('zk3', `${afterBoot}; hostname`);
    expect(r.stdout).toBe('start\nstop-was-running\nstart\nstart\nzk3\n');
  });

  it('pause freezes a host, resume thaws it', { timeout: T }, async () => {
    await pause('zk2');
    expect(await stateOf('zk2')).toBe('paused');
    const r = await labSsh('zk2', 'true', { connectTimeout: 2 });
    expect(r.code).toBe(255);
    expect((await labSsh('zk1', 'hostname')).code).toBe(0);
    await resume('zk2');
    expect(await stateOf('zk2')).toBe('up');
    expect((await labSsh('zk2', 'hostname')).stdout).toBe('zk2\n');
  });

  it('reaps orphans inside a host', { timeout: T }, async () => {
    await labSsh('zk1', 'for i in 1 2 3; do (sleep 0.2 &) ; done; nohup sleep 0.3 >/dev/null 2>&1 &');
    await new Promise((res) => setTimeout(res, 1000));
    const z = await labExec('zk1', 'ps -eo stat= | grep -c "^Z" || true');
    expect(z.stdout.trim()).toBe('0');
  });

  it('refuses a changed host key until it is trusted again', { timeout: T }, async () => {
    const before = readFileSync(info.knownHosts, 'utf8');
    await regenHostKey('zk1');
    expect(readFileSync(info.knownHosts, 'utf8')).toBe(before);
    const r = await labSsh('zk1', 'true');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    await trustHost('zk1');
    expect((await labSsh('zk1', 'hostname')).stdout).toBe('zk1\n');
  });

  it('down leaves nothing behind', { timeout: T }, async () => {
    const current = await labInfo();
    const ours = { pid: new Set<string>(), net: new Set<string>(), mnt: new Set<string>() };
    for (const h of current.hosts) {
      const r = await labExec(h.name, 'readlink /proc/1/ns/pid /proc/1/ns/net /proc/1/ns/mnt');
      const [pid, net, mnt] = r.stdout.trim().split('\n');
      expect(pid).toMatch(/^pid:\[\d+\]$/);
      ours.pid.add(pid);
      ours.net.add(net);
      ours.mnt.add(mnt);
    }
    expect(ours.pid.size).toBe(current.hosts.length);
    // busy hosts: a daemon inside, and a process that entered zk2's netns from outside
    // (like `ip netns exec`): neither may keep a namespace alive
    await labSsh('zk1', 'nohup sleep 600 >/dev/null 2>&1 &');
    const intruder = spawn('nsenter', ['--net=/run/netns/zkklab-zk2', 'sleep', '600'], { stdio: 'ignore' });
    await new Promise((res) => setTimeout(res, 200));
    expect(intruder.exitCode).toBe(null);

    await labDown();

    const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
    expect(netns.filter((n) => n.startsWith('zkklab-'))).toEqual([]);
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    expect(links).not.toMatch(/zkklab0|: lv-/);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toMatch(/zkklab|overlay .*zkk-lab/);
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let mi = '';
      try {
        mi = readFileSync(`/proc/${p}/mountinfo`, 'utf8');
      } catch {
        continue;
      }
      expect(mi, `mounts of pid ${p}`).not.toMatch(/zkklab-/);
    }
    expect(intruder.signalCode ?? intruder.exitCode).not.toBe(null);
    const leftovers = processes().filter((p) => ours.pid.has(p.ns.pid ?? '') || ours.net.has(p.ns.net ?? '') || ours.mnt.has(p.ns.mnt ?? ''));
    expect(leftovers).toEqual([]);
    // disks and generated files are gone; the status lists no host
    for (const f of ['hosts.tsv', 'inventory.yml', 'ssh/known_hosts', 'ssh/config', 'zk1', 'zk4']) {
      expect(existsSync(`${current.state}/${f}`), f).toBe(false);
    }
    expect(await labStatus()).toEqual([]);
    expect((await labInfo()).hosts).toEqual([]);
  });
});
