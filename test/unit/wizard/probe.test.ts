import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../../src/errors/zkk-error.js';
import { parseListeningPorts } from '../../../src/facts/listening-ports.js';
import { parseInventory } from '../../../src/inventory/load.js';
import type { Connector } from '../../../src/transport/connector.js';
import { renderInventory } from '../../../src/wizard/inventory-writer.js';
import { interview } from '../../../src/wizard/interview.js';
import {
  dataDirs,
  formatKb,
  parseFreeDisk,
  plannedPorts,
  closedPorts,
  probeHosts,
  probeProblems,
  probeTableRows,
  type HostProbeResult,
} from '../../../src/wizard/probe.js';
import { inventorySections } from '../../../src/roles/all-roles.js';

/** Runs the probe's batched script on this machine, as a host would. */
function localConnector(host: string): Connector {
  return {
    host,
    stats: { connections: 1, commands: 0, bytesUploaded: 0 },
    usesSudo: false,
    exec: (command) =>
      new Promise((resolve) => {
        execFile('sh', ['-c', command.text], (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }));
      }),
    putFile: async () => {
      throw new Error('read-only');
    },
    close: async () => undefined,
  };
}

async function inventory(flags: Parameters<typeof interview>[0]) {
  return parseInventory(renderInventory(await interview(flags, {})), '/tmp/inventory.yml', inventorySections);
}

describe('probe parsers', () => {
  // the one listening-ports probe (facts/), shared with zkk status
  it('listening ports from /proc/net/tcp{,6}', () => {
    expect(parseListeningPorts('0100007F:0885\n00000000:2384\n00000000000000000000000000000000:2384\n\n')).toEqual([2181, 9092]);
    expect(parseListeningPorts('')).toEqual([]);
  });
  it('free disk per directory, unknown when df said nothing', () => {
    expect(parseFreeDisk('free 1048576 /var/lib/zookeeper\nfree  /data/a b\n', ['/var/lib/zookeeper', '/data/a b'])).toEqual([
      { dir: '/var/lib/zookeeper', freeKb: 1048576 },
      { dir: '/data/a b', freeKb: undefined },
    ]);
    expect(formatKb(1048576)).toBe('1.0 GiB');
    expect(formatKb(200 * 1048576)).toBe('200 GiB');
    expect(formatKb(5120)).toBe('5 MiB');
  });
  it('planned ports and data dirs follow the roles', async () => {
    const inv = await inventory({ hosts: 'a=10.213.0.1,b=10.213.0.2,c=10.213.0.3,d=10.213.0.4', kafkaMode: 'zookeeper' });
    // the wizard's default is a secured cluster: ZooKeeper's clients on the TLS port (2181 on 127.0.0.1 only, not opened)
    expect(plannedPorts(inv.hosts[0]!).map((p) => p.port)).toEqual([2182, 3188, 3288, 9092]);
    expect(plannedPorts(inv.hosts[3]!).map((p) => p.port)).toEqual([9092]);
    expect(dataDirs(inv.hosts[0]!)).toEqual(['/usr/local/zookeeper-data', '/var/lib/kafka/data']);
    const kraft = await inventory({ hosts: '10.213.0.1,10.213.0.2,10.213.0.3,10.213.0.4' });
    expect(plannedPorts(kraft.hosts[0]!).map((p) => p.port)).toEqual([9092, 9093]);
    expect(plannedPorts(kraft.hosts[3]!).map((p) => p.port)).toEqual([9092]);
  });
});

describe('probeHosts', () => {
  it('runs one batched command per host and reports os, java, disk, ports in use; unreachable hosts are rows', async () => {
    // Something listens on a planned port: the probe must see it.
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const busy = (server.address() as { port: number }).port;
    try {
      const inv = await inventory({ hosts: 'here=127.0.0.1,gone=10.213.0.2', kafkaMode: 'zookeeper', zookeeperHosts: 'here', kafkaDataDirs: '/nonexistent/zkk/data' });
      inv.hosts[0]!.kafka!.port = busy;
      const calls: string[] = [];
      const results = await probeHosts(inv, {
        connect: async (t) => {
          calls.push(t.name);
          expect(t.connectRetries).toBe(0);
          if (t.name === 'gone') throw new ConnectionError('UNREACHABLE', t.name, `cannot connect to root@${t.address}:22: host unreachable`);
          const conn = localConnector(t.name);
          const exec = conn.exec.bind(conn);
          let commands = 0;
          conn.exec = (c, o) => (commands++, expect(commands).toBe(1), exec(c, o));
          return conn;
        },
      });
      expect(calls.sort()).toEqual(['gone', 'here']);
      const [here, gone] = results as [HostProbeResult, HostProbeResult];
      expect(gone.error).toMatch(/host unreachable/);
      expect(probeProblems(gone)).toEqual([expect.stringMatching(/^not reachable/)]);
      expect(here.error).toBeUndefined();
      expect(here.os?.id).toBeTruthy();
      expect(here.disk).toEqual([
        { dir: '/usr/local/zookeeper-data', freeKb: expect.any(Number) },
        { dir: '/nonexistent/zkk/data', freeKb: expect.any(Number) },
      ]);
      expect(here.portsInUse).toEqual([{ port: busy, what: 'kafka broker' }]);
      expect(probeProblems(here)).toContain(`ports in use: ${busy} (kafka broker)`);
      const rows = probeTableRows(results);
      expect(rows[0]).toEqual(['here', expect.stringMatching(/^yes/), expect.any(String), expect.any(String), expect.stringMatching(/\/usr\/local\/zookeeper-data [\d.]+ [GM]iB/), String(busy), expect.stringMatching(/^(none|ufw|firewalld)/)]);
      expect(rows[1]).toEqual(['gone', expect.stringMatching(/^no: .*host unreachable/), '', '', '', '', '']);
    } finally {
      server.close();
    }
  });

  it('shows an active firewall and the planned ports zkk will open in it', () => {
    const base: HostProbeResult = { host: 'h', address: 'a', javaMin: 17, javaInstall: 'auto', ms: 1, disk: [], portsInUse: [] };
    const planned = [{ port: 2181, what: 'zookeeper client' }, { port: 9092, what: 'kafka broker' }];
    const ufw = closedPorts({ kind: 'ufw', allowed: [{ from: 2181, to: 2181, proto: 'tcp' }] }, planned);
    expect(ufw).toEqual([{ port: 9092, what: 'kafka broker' }]);
    expect(closedPorts({ kind: 'none' }, planned)).toEqual([]);
    expect(probeTableRows([{ ...base, firewall: { kind: 'ufw', closed: ufw } }])[0]!.at(-1)).toBe('ufw: zkk opens 9092');
    expect(probeTableRows([{ ...base, firewall: { kind: 'firewalld', closed: [] } }])[0]!.at(-1)).toBe('firewalld: ports open');
    expect(probeTableRows([{ ...base, firewall: { kind: 'none', closed: [] } }])[0]!.at(-1)).toBe('none');
  });

  it('says when Java is missing or too old', () => {
    const base: HostProbeResult = { host: 'h', address: 'a', javaMin: 17, javaInstall: 'auto', ms: 1, disk: [], portsInUse: [] };
    expect(probeTableRows([{ ...base, java: {} }])[0]![3]).toBe('none (zkk installs one)');
    expect(probeTableRows([{ ...base, java: { path: '/j', version: '11.0.2', feature: 11 } }])[0]![3]).toBe('11.0.2 (< 17: zkk installs one)');
    expect(probeTableRows([{ ...base, java: { path: '/j', version: '17.0.9', feature: 17 } }])[0]![3]).toBe('17.0.9');
    expect(probeProblems({ ...base, javaInstall: 'never', java: {} })).toEqual([expect.stringMatching(/no Java \(java.install is never\)/)]);
    expect(probeProblems({ ...base, javaInstall: 'never', java: { version: '11', feature: 11 } })).toEqual([expect.stringMatching(/Java 11 is older than 17/)]);
    expect(probeProblems({ ...base, disk: [{ dir: '/d', freeKb: 1000 }] })).toEqual(['less than 1 GiB free under /d']);
  });
});
