/**
 * zkk doctor without the lab: the probes' batch run on this machine through a local
 * connector (three "hosts" on loopback addresses), a listener of ours on a planned port,
 * and the verdicts on hand-made facts (clock offset, disk, reach through a firewall, names,
 * open files, memory tuning).
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { FirewallFact } from '../../../src/facts/firewall.js';
import { Facts } from '../../../src/facts/gather.js';
import { clockOffset, parseDirSpace, tcpReachProbe } from '../../../src/facts/preflight-probes.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { judgeCluster, judgeClock, doctorExitCode, type DoctorCheck, type HostEvidence } from '../../../src/engine/doctor/preflight-checks.js';
import { preflightNeeds, preflightProbes } from '../../../src/engine/doctor/preflight-probes.js';
import { runDoctor } from '../../../src/engine/doctor/run-doctor.js';
import { allRoles, inventorySections } from '../../../src/roles/all-roles.js';
import type { Connector } from '../../../src/transport/connector.js';

function localConnector(host: string): Connector {
  const stats = { connections: 1, commands: 0, bytesUploaded: 0 };
  return {
    host,
    stats,
    usesSudo: false,
    exec: (command) => {
      stats.commands++;
      return new Promise((resolve) => execFile('sh', ['-c', command.text], (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 })));
    },
    putFile: async () => {
      throw new Error('read-only');
    },
    close: async () => undefined,
  };
}

const inventory = (port: number, extra = '') =>
  parseInventory(
    `cluster: unit
hosts:
  - { name: a, address: 127.0.0.2, roles: [zookeeper, kafka] }
  - { name: b, address: 127.0.0.3, roles: [zookeeper, kafka] }
  - { name: c, address: 127.0.0.4, roles: [zookeeper, kafka] }
zookeeper: { clientPort: ${port}, dataDir: /srv/zkk-doctor-unit/zk }
kafka: { mode: zookeeper, version: 3.9.2, logDirs: [/srv/zkk-doctor-unit/kafka] }
${extra}`,
    '/tmp/inventory.yml',
    inventorySections,
  );

describe('runDoctor on this machine (local connector)', () => {
  it('one command per host; a planned port held by another process fails with its pid; reach tested from every peer', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.3', r));
    const port = (server.address() as { port: number }).port;
    try {
      const report = await runDoctor(inventory(port), { roles: allRoles, connect: async (h) => localConnector(h.name) });
      expect(report.hosts.map((h) => h.commands)).toEqual([1, 1, 1]);
      const held = report.checks.filter((c) => c.check === `port ${port}`);
      expect(held).toHaveLength(3); // the "hosts" share this machine's ports
      for (const c of held) expect(c).toMatchObject({ verdict: 'fail', detail: expect.stringContaining(`held by pid ${process.pid}: `), fix: `stop pid ${process.pid} or choose another zookeeper.clientPort` });
      // a connects to b's client port: open (our listener on 127.0.0.3), to c's: refused
      expect(report.checks.find((c) => c.host === 'b' && c.check === `reach ${port}`)!.detail).toBe('zookeeper.clientPort reachable from a (open), c (open)');
      expect(report.checks.find((c) => c.host === 'c' && c.check === `reach ${port}`)!.detail).toBe('zookeeper.clientPort reachable from a (nothing listens yet), b (nothing listens yet)');
      expect(report.checks.find((c) => c.host === 'a' && c.check === 'resolve 127.0.0.2')!.verdict).toBe('ok');
      expect(report.checks.find((c) => c.host === 'a' && c.check === 'sudo')!.verdict).toBe(process.getuid?.() === 0 ? 'ok' : 'fail');
      expect(report.exitCode).toBe(1);
    } finally {
      server.close();
    }
  }, 30_000);

  it("a role's own JVM holding its port is ok, though its main class comes after a classpath longer than the shown command line", async () => {
    const { spawn } = await import('node:child_process');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.2', r));
    const port = (probe.address() as { port: number }).port;
    probe.close();
    // a stand-in for `java -cp <hundreds of jars> org.apache.zookeeper.server.quorum.QuorumPeerMain zoo.cfg`
    const child = spawn('python3', ['-c', `import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.2", ${port})); s.listen(); time.sleep(20)`, `-cp=${'/usr/local/zookeeper/lib/x.jar:'.repeat(20)}`, 'org.apache.zookeeper.server.quorum.QuorumPeerMain']);
    try {
      for (let i = 0; i < 50 && !(await new Promise<boolean>((r) => execFile('sh', ['-c', `ss -Hltn 'sport = :${port}'`], (_e, out) => r(out.includes(String(port)))))); i++) await new Promise((r) => setTimeout(r, 100));
      const report = await runDoctor(inventory(port), { roles: allRoles, connect: async (h) => localConnector(h.name) });
      const held = report.checks.filter((c) => c.check === `port ${port}`);
      expect(held).toHaveLength(3);
      for (const c of held) expect(c).toMatchObject({ verdict: 'ok', detail: `held by zookeeper itself (pid ${child.pid})` });
    } finally {
      child.kill();
    }
  }, 30_000);

  it('an unreachable host is one failed ssh check; nothing reachable exits 3', async () => {
    const report = await runDoctor(inventory(2181), {
      roles: allRoles,
      connect: async (h) => {
        throw new Error(`cannot connect to root@${h.address}:22: connection refused`);
      },
    });
    expect(report.checks.map((c) => `${c.host} ${c.check} ${c.verdict}`)).toEqual(['a ssh fail', 'b ssh fail', 'c ssh fail']);
    expect(report.exitCode).toBe(3);
  });
});

describe('preflight verdicts on given facts', () => {
  const inv = inventory(2181, 'firewall: { manage: auto }');
  const needs = preflightNeeds(inv, allRoles);
  const now = 1_800_000_000_000;
  function evidence(name: string, over: Partial<Record<string, unknown>> = {}): HostEvidence {
    const host = inv.hosts.find((h) => h.name === name)!;
    const probes = preflightProbes(inv, host, needs);
    const facts = new Facts();
    const peers = inv.hosts.filter((h) => h !== host);
    const defaults: Record<string, unknown> = {
      [probes.clockStart.key]: { ms: now + 20 },
      [probes.clockEnd.key]: { ms: now + 30 },
      [probes.identity.key]: { user: 'root', uid: 0 },
      [probes.os.key]: { id: 'debian', idLike: '', version: '12', init: 'sysv', tools: new Set(['apt-get', 'update-rc.d', 'sha512sum', 'runuser']), arch: 'x86_64' },
      [probes.java!.key]: { path: '/usr/bin/java', version: '17.0.15', feature: 17 },
      [probes.disk.key]: parseDirSpace('dir 0 100000000 90000000 / /srv\ndir 1 100000000 90000000 / /srv', ['/srv/zkk-doctor-unit/zk', '/srv/zkk-doctor-unit/kafka']),
      [probes.ports.key]: { tool: 'ss', held: [] },
      [probes.names.key]: inv.hosts.map((h) => ({ name: h.address, addresses: [h.address], reverse: [] })),
      [probes.nofile.key]: [
        { user: 'zookeeper', wanted: 65536, as: 'user', soft: 65536, hard: 65536 },
        { user: 'kafka', wanted: 100000, as: 'user', soft: 100000, hard: 100000 },
      ],
      [probes.memory.key]: { swapTotalKb: 0, swappiness: 60, thp: 'madvise' },
      [probes.firewall.key]: { kind: 'none' } satisfies FirewallFact,
      [probes.tcp.key]: {
        available: true,
        targets: peers.flatMap((p) => [2181, 2888, 3888, 9092].map((port) => ({ address: p.address, port }))),
        results: peers.flatMap((p) => [2181, 2888, 3888, 9092].map((port) => ({ address: p.address, port, result: 'refused' }))),
      },
    };
    for (const [k, v] of Object.entries({ ...defaults, ...over })) facts.set(k.startsWith('preflight.') || ['os', 'java', 'firewall'].includes(k) ? k : (probes as unknown as Record<string, { key: string }>)[k]!.key, v);
    return { host, needs: needs.get(name)!, facts, probes, sentAt: now, receivedAt: now + 50 };
  }
  const key = (name: string, probe: string) => (preflightProbes(inv, inv.hosts.find((h) => h.name === name)!, needs) as unknown as Record<string, { key: string }>)[probe]!.key;
  const notOk = (checks: DoctorCheck[]) => checks.filter((c) => c.verdict !== 'ok').map((c) => `${c.host} ${c.check} ${c.verdict}: ${c.detail} → ${c.fix}`);

  it('all good facts: every check ok, exit 0', () => {
    const checks = judgeCluster(inv, ['a', 'b', 'c'].map((n) => evidence(n)));
    expect(notOk(checks)).toEqual([]);
    expect(doctorExitCode(checks)).toBe(0);
  });

  it('a dropped SYN fails the target host, unless its own active ufw is what drops it and deploy opens the port (warn)', () => {
    const dropped = (from: string) => evidence(from, { [key(from, 'tcp')]: { available: true, targets: [{ address: '127.0.0.4', port: 9092 }], results: [{ address: '127.0.0.4', port: 9092, result: 'filtered' }] } });
    const failing = judgeCluster(inv, [dropped('a'), evidence('b'), evidence('c')]);
    expect(failing.find((c) => c.host === 'c' && c.check === 'reach 9092')).toMatchObject({ verdict: 'fail', detail: 'kafka.port from a: no answer (dropped by a firewall)' });
    const ufw = evidence('c', { [key('c', 'firewall')]: { kind: 'ufw', allowed: [{ from: 22, to: 22, proto: 'tcp' }] } });
    const opened = judgeCluster(inv, [dropped('a'), evidence('b'), ufw]);
    expect(opened.find((c) => c.host === 'c' && c.check === 'reach 9092')).toMatchObject({ verdict: 'warn', fix: 'zkk deploy opens it (firewall.manage: auto)' });
    expect(opened.find((c) => c.host === 'c' && c.check === 'firewall')).toMatchObject({ verdict: 'warn', detail: 'ufw does not allow 2181, 2888, 3888, 9092 yet' });
    expect(doctorExitCode(opened)).toBe(0);
    expect(doctorExitCode(opened, true)).toBe(1);
  });

  it('disk, Java, names, open files, swap, huge pages, sudo', () => {
    const checks = judgeCluster(inv, [
      evidence('a', {
        [key('a', 'disk')]: parseDirSpace('dir 0 2048 0 /srv/zkk-doctor-unit/zk /srv/zkk-doctor-unit/zk\ndir 1 100000000 4000000 / /srv', ['/srv/zkk-doctor-unit/zk', '/srv/zkk-doctor-unit/kafka']),
        [key('a', 'java')]: { path: '/usr/bin/java', version: '1.8.0_402', feature: 8 },
        [key('a', 'nofile')]: [{ user: 'zookeeper', wanted: 65536, as: 'user', soft: 1024, hard: 4096 }, { user: 'kafka', wanted: 100000, as: 'session', soft: 100000, hard: 100000 }],
        [key('a', 'memory')]: { swapTotalKb: 4 * 1024 * 1024, swappiness: 60, thp: 'always' },
        [key('a', 'identity')]: { user: 'admin', uid: 1000 },
      }),
      evidence('b', { [key('b', 'names')]: inv.hosts.map((h) => ({ name: h.address, addresses: h.address === '127.0.0.2' ? [] : [h.address], reverse: [] })) }),
      evidence('c'),
    ]);
    expect(notOk(checks)).toEqual([
      'a sudo fail: commands run as admin (uid 1000), not root → allow root password-less sudo (or run with --ask-sudo-pass), or log in as root',
      'a java warn: Java 1.8.0_402 at /usr/bin/java is older than 11 (zookeeper 3.8.6 needs 8, kafka 3.9.2 needs 11) → zkk deploy installs openjdk-17-jre-headless with apt-get (the host needs its package mirror)',
      'a disk /srv/zkk-doctor-unit/zk fail: 0 MiB free of 2 MiB, own file system at /srv/zkk-doctor-unit/zk → free space on /srv/zkk-doctor-unit/zk or point zookeeper.dataDir at a bigger file system',
      'a disk /srv/zkk-doctor-unit/kafka warn: 3.8 GiB free of 95.4 GiB, on / (shared with the OS) (not created yet; /srv) → give kafka.logDirs[0] more room (less than 5.0 GiB free)',
      "a nofile zookeeper warn: ulimit -n 1024 (hard 4096) as zookeeper, started as the init script does; wanted 65536 → allow zookeeper 65536 open files (/etc/security/limits.d: \"zookeeper - nofile 65536\", and fs.nr_open ≥ 65536)",
      'a swap warn: 4.0 GiB swap with vm.swappiness 60: the JVM heap may be swapped out → sysctl -w vm.swappiness=1 (and set it in /etc/sysctl.d/)',
      'a thp warn: transparent huge pages: always (latency spikes in ZooKeeper and Kafka) → echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (and on boot)',
      'a resolve 127.0.0.2 fail: 127.0.0.2 does not resolve on b → add 127.0.0.2 to DNS (or /etc/hosts on b), or use the IP address',
    ]);
  });

  it('clock: the offset beyond the measurement uncertainty, from two host readings and the round trip', () => {
    // sent at 0, received at 100; the host spent 40 ms between its readings: 60 ms of network, 30 each way
    expect(clockOffset({ ms: 5030 }, { ms: 5070 }, 0, 100)).toEqual({ offsetMs: 5000, uncertaintyMs: 31 });
    const mk = (check: string, verdict: DoctorCheck['verdict'], detail: string, fix?: string): DoctorCheck => ({ host: 'h', check, verdict, detail, fix });
    expect(judgeClock({ ms: 530 }, { ms: 540 }, 0, 20, mk).verdict).toBe('ok');
    expect(judgeClock({ ms: 5010 }, { ms: 5020 }, 0, 20, mk)).toMatchObject({ verdict: 'warn', detail: '+5.0 s (±6 ms) vs the control node' });
    expect(judgeClock({ ms: 300_010 }, { ms: 300_020 }, 0, 20, mk)).toMatchObject({ verdict: 'fail', detail: '+300 s (±6 ms) vs the control node' });
    expect(judgeClock({ ms: -120_000 }, { ms: -119_990 }, 0, 20, mk).verdict).toBe('fail');
  });

  it('the host-to-host connect probe tells open, refused and dropped apart', () => {
    const p = tcpReachProbe([{ address: '10.213.0.12', port: 2181 }]);
    expect(p.parse('tcp 10.213.0.201 1 0 \ntcp 10.213.0.201 2 1 bash: line 1: connect: Connection refused\ntcp 10.213.0.201 3 124 \ntcp 10.213.0.201 4 1 bash: connect: No route to host\n').results.map((r) => r.result)).toEqual([
      'open',
      'refused',
      'filtered',
      'unreachable',
    ]);
    expect(p.parse('tcp-unavailable\n')).toEqual({ available: false, targets: [{ address: '10.213.0.12', port: 2181 }], results: [] });
  });
});
