/**
 * The pipeline on fake connectors and a fake role (pure logic: what it records and runs).
 * Plan runs nothing and lists the commands; deploy runs the actions in order, counts a
 * step changed exactly when it yielded something to run, stops a host at its first
 * failure or blocked step, and hands restart actions to the role's converge.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zookeeperRelease } from '../../../src/roles/zookeeper/release.js';
import { runPipeline } from '../../../src/engine/run.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { blocked, change, exec, ok, type Step } from '../../../src/ops/operation.js';
import type { LiveHost, Role } from '../../../src/roles/role.js';
import { cmd, type Command } from '../../../src/shell/command.js';
import type { Connector, ExecOptions } from '../../../src/transport/connector.js';
import { RemoteCommandError } from '../../../src/errors/zkk-error.js';

const inv = parseInventory('cluster: c\nhosts:\n  - { name: a, address: 10.214.9.1, roles: [zookeeper] }\n  - { name: b, address: 10.214.9.2, roles: [zookeeper] }\n', '/srv/c/inventory.yml', inventorySections);

function fakeConnector(host: string, sent: string[], failOn?: string): Connector {
  return {
    host,
    usesSudo: false,
    stats: { connections: 1, commands: 0, bytesUploaded: 0 },
    async exec(command: Command, _o: ExecOptions = {}) {
      sent.push(`${host}: ${command.text}`);
      if (failOn && command.text === failOn) throw new RemoteCommandError(host, command.display, 1, 'boom');
      return { stdout: '', stderr: '', code: 0 };
    },
    async putFile() {},
    async close() {},
  };
}

function role(stepsFor: (host: string) => Step[], converged: LiveHost[][] = []): Role {
  return {
    name: 'zookeeper',
    appliesTo: () => true,
    probes: () => [],
    plan: (ctx) => stepsFor(ctx.host.name),
    async converge(_inv, live) {
      converged.push(live);
    },
  };
}

const steps = (host: string): Step[] => [
  { id: 'x.dir', title: 'dir', outcome: ok('exists') },
  { id: 'x.file', title: 'file', outcome: change(`update /etc/x on ${host}`, [exec(cmd('write', host)), exec(cmd('chmod', host))], '-a\n+b'), notify: ['x.restart'] },
  { id: 'x.current', title: 'current', outcome: change('stale config', [{ kind: 'restart', handler: 'x.restart', command: cmd('systemctl', 'restart', 'x') }]) },
];

describe('runPipeline', () => {
  it('plan: nothing runs; changes are listed with their commands; the exit code is 0', async () => {
    const sent: string[] = [];
    const rep = await runPipeline(inv, { mode: 'plan', roles: [role(steps)], connect: async (h) => fakeConnector(h.name, sent) });
    expect(sent).toEqual([]);
    expect(rep.exitCode).toBe(0);
    const a = rep.hosts[0]!;
    expect([a.ok, a.changed, a.failed]).toEqual([1, 2, 0]);
    expect(a.steps.map((s) => [s.id, s.status])).toEqual([['x.dir', 'ok'], ['x.file', 'changed'], ['x.current', 'changed']]);
    expect(a.steps[1]!.commands).toEqual(['write a', 'chmod a']);
    expect(a.steps[2]!.commands![0]).toMatch(/^systemctl restart x {2}# by the x\.restart handler/);
  });

  it('deploy: actions run in order per host; notified and restart handlers reach converge', async () => {
    const sent: string[] = [];
    const converged: LiveHost[][] = [];
    const rep = await runPipeline(inv, { mode: 'deploy', roles: [role(steps, converged)], connect: async (h) => fakeConnector(h.name, sent) });
    expect(rep.exitCode).toBe(0);
    expect(sent.filter((l) => l.startsWith('a:'))).toEqual(['a: write a', 'a: chmod a']);
    expect(rep.hosts.map((h) => h.changed)).toEqual([2, 2]);
    expect([...converged[0]![0]!.changed].sort()).toEqual(['x.current', 'x.file', 'x.restart']);
  });

  it('a failing command stops that host (the rest skipped), the other host goes on', async () => {
    const sent: string[] = [];
    const rep = await runPipeline(inv, { mode: 'deploy', roles: [role(steps)], connect: async (h) => fakeConnector(h.name, sent, 'write a') });
    expect(rep.exitCode).toBe(1);
    expect(sent).toContain('b: chmod b');
    expect(sent).not.toContain('a: chmod a');
    const a = rep.hosts[0]!;
    expect(a.status).toBe('failed');
    expect(a.steps.map((s) => [s.id, s.status])).toEqual([['x.dir', 'ok'], ['x.file', 'failed'], ['x.current', 'skipped']]);
    expect(rep.hosts[1]!.status).toBe('ok');
  });

  it('a blocked step fails the host in plan as in deploy, with its hint; nothing after it runs', async () => {
    const withBlock = (host: string): Step[] => [
      ...(host === 'a' ? [{ id: 'x.guard', title: 'guard', outcome: blocked('the data dir belongs to another cluster', 'empty it yourself') }] : []),
      ...steps(host),
    ];
    for (const mode of ['plan', 'deploy'] as const) {
      const sent: string[] = [];
      const rep = await runPipeline(inv, { mode, roles: [role(withBlock)], connect: async (h) => fakeConnector(h.name, sent) });
      expect(rep.exitCode, mode).toBe(1);
      const a = rep.hosts[0]!;
      expect(a.steps.map((s) => s.status), mode).toEqual(['failed', 'skipped', 'skipped', 'skipped']);
      expect(a.steps[0]!.detail).toBe('the data dir belongs to another cluster');
      expect(a.error).toMatchObject({ code: 'BLOCKED', hint: 'empty it yourself' });
      expect(sent.filter((l) => l.startsWith('a:')), mode).toEqual([]);
      expect(rep.hosts[1]!.status).toBe('ok');
    }
  });

  it("a later role's leading early steps run while the earlier role converges; its other steps after", async () => {
    const sent: string[] = [];
    let releaseConverge!: () => void;
    const converging = new Promise<void>((r) => (releaseConverge = r));
    const first: Role = {
      name: 'zookeeper',
      appliesTo: () => true,
      probes: () => [],
      plan: (ctx) => [{ id: 'zk.file', title: 'f', outcome: change('write', [exec(cmd('zk-write', ctx.host.name))]) }],
      async converge() {
        sent.push('zk converge started');
        // the converge waits until the second role's early step has run on both hosts
        await converging;
        sent.push('zk converge done');
      },
    };
    const second: Role = {
      name: 'kafka',
      appliesTo: () => true,
      probes: () => [],
      plan: (ctx) => [
        { id: 'k.dir', title: 'd', early: true, outcome: ok('exists') },
        { id: 'k.release', title: 'r', early: true, outcome: change('unpack', [exec(cmd('k-unpack', ctx.host.name))]) },
        { id: 'k.config', title: 'c', outcome: change('write', [exec(cmd('k-config', ctx.host.name))]) },
        { id: 'k.late-early', title: 'x', early: true, outcome: change('not leading: runs in order', [exec(cmd('k-late', ctx.host.name))]) },
      ],
    };
    const connect = async (h: { name: string }) => {
      const c = fakeConnector(h.name, sent);
      const exec0 = c.exec.bind(c);
      c.exec = async (command, o) => {
        const r = await exec0(command, o);
        if (sent.filter((l) => / k-unpack /.test(l)).length === 2) releaseConverge();
        return r;
      };
      return c;
    };
    const rep = await runPipeline(inv, { mode: 'deploy', roles: [first, second], connect });
    expect(rep.exitCode).toBe(0);
    const at = (l: string) => sent.indexOf(l);
    expect(at('a: k-unpack a')).toBeGreaterThanOrEqual(0);
    expect(at('a: k-unpack a')).toBeLessThan(at('zk converge done'));
    expect(at('b: k-unpack b')).toBeLessThan(at('zk converge done'));
    for (const h of ['a', 'b']) {
      expect(at(`${h}: k-config ${h}`)).toBeGreaterThan(at('zk converge done'));
      expect(at(`${h}: k-late ${h}`)).toBeGreaterThan(at(`${h}: k-config ${h}`));
    }
    expect(rep.hosts[0]!.steps.map((s) => s.id)).toEqual(['zk.file', 'k.dir', 'k.release', 'k.config', 'k.late-early']);
  });

  it('an early step that fails stops its host: the rest of that role and later roles are skipped there', async () => {
    const sent: string[] = [];
    const first = role(() => [{ id: 'zk.file', title: 'f', outcome: ok('same') }]);
    const second: Role = {
      name: 'kafka',
      appliesTo: () => true,
      probes: () => [],
      plan: (ctx) => [
        { id: 'k.release', title: 'r', early: true, outcome: change('unpack', [exec(cmd('k-unpack', ctx.host.name))]) },
        { id: 'k.config', title: 'c', outcome: change('write', [exec(cmd('k-config', ctx.host.name))]) },
      ],
    };
    const rep = await runPipeline(inv, { mode: 'deploy', roles: [first, second], connect: async (h) => fakeConnector(h.name, sent, 'k-unpack a') });
    expect(rep.exitCode).toBe(1);
    expect(sent).not.toContain('a: k-config a');
    expect(sent).toContain('b: k-config b');
    expect(rep.hosts[0]!.steps.map((s) => [s.id, s.status])).toEqual([['zk.file', 'ok'], ['k.release', 'failed'], ['k.config', 'skipped']]);
  });

  it('a release file is hashed while the hosts are read; a mismatch stops the run before any plan or command', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-run-rel-'));
    const tar = path.join(dir, 'zookeeper/zookeeper-9.9.7/apache-zookeeper-9.9.7-bin.tar.gz');
    mkdirSync(path.dirname(tar), { recursive: true });
    writeFileSync(tar, 'good bytes');
    const published = createHash('sha512').update('good bytes').digest('hex');
    writeFileSync(`${tar}.sha512`, `${published}  x\n`);
    const seen: string[] = [];
    const withRelease = (): Role => ({
      ...role((h) => [{ id: 'x.file', title: 'file', outcome: change('write', [exec(cmd('write', h))]) }]),
      releases: () => [zookeeperRelease('9.9.7', { mirror: dir })],
      probes: (ctx) => (seen.push(ctx.releases.get('zookeeper')!.sha512), []),
    });
    const sent: string[] = [];
    const good = await runPipeline(inv, { mode: 'deploy', roles: [withRelease()], connect: async (h) => fakeConnector(h.name, sent) });
    expect(good.exitCode).toBe(0);
    expect(seen).toEqual([published, published]);
    expect(sent.sort()).toEqual(['a: write a', 'b: write b']);
    // the same path, other bytes: refused after the facts, with nothing planned or sent
    const evil = path.join(dir, 'evil');
    mkdirSync(path.join(evil, 'zookeeper/zookeeper-9.9.6'), { recursive: true });
    const evilTar = path.join(evil, 'zookeeper/zookeeper-9.9.6/apache-zookeeper-9.9.6-bin.tar.gz');
    writeFileSync(evilTar, 'evil bytes');
    writeFileSync(`${evilTar}.sha512`, `${published}  x\n`);
    const sent2: string[] = [];
    const planned: string[] = [];
    const bad: Role = { ...withRelease(), releases: () => [zookeeperRelease('9.9.6', { mirror: evil })], plan: (ctx) => (planned.push(ctx.host.name), []) };
    await expect(runPipeline(inv, { mode: 'deploy', roles: [bad], connect: async (h) => fakeConnector(h.name, sent2) })).rejects.toThrow(/does not match .* refusing to install/);
    expect(sent2).toEqual([]);
    expect(planned).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
