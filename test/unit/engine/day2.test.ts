/**
 * zkk restart | stop | start in the engine, on fake connectors and fake roles: the roles'
 * order (ZooKeeper before Kafka; a stop the other way round), what each role's day2
 * handler is given (every reachable host of the role, the targets, whole), one step per
 * host in the report, a refusing gate turned into exit 1 with the hosts not reached skipped.
 */
import { describe, expect, it } from 'vitest';
import { day2Roles, runDay2 } from '../../../src/engine/day2.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import type { Day2Action, Day2Options, Role } from '../../../src/roles/role.js';
import type { Command } from '../../../src/shell/command.js';
import type { Connector } from '../../../src/transport/connector.js';

const inv = parseInventory(
  'cluster: c\nhosts:\n  - { name: a, address: 10.214.9.1, roles: [zookeeper, kafka] }\n  - { name: b, address: 10.214.9.2, roles: [zookeeper, kafka] }\n  - { name: c, address: 10.214.9.3, roles: [zookeeper, kafka] }\nkafka: { mode: zookeeper, version: 3.9.2 }\n',
  '/srv/c/inventory.yml',
  inventorySections,
);

const fake = (host: string): Connector => ({
  host,
  usesSudo: false,
  stats: { connections: 1, commands: 0, bytesUploaded: 0 },
  async exec(_c: Command) {
    return { stdout: '', stderr: '', code: 0 };
  },
  async putFile() {},
  async close() {},
});

interface Call { role: string; action: Day2Action; all: string[]; targets: string[]; opts: Day2Options }

function role(name: 'zookeeper' | 'kafka', calls: Call[], refuseAfter?: number): Role {
  return {
    name,
    appliesTo: (h) => !!(name === 'zookeeper' ? h.zookeeper : h.kafka),
    probes: () => [],
    plan: () => [],
    async day2(action, _inv, all, targets, report, opts) {
      calls.push({ role: name, action, all: all.map((l) => l.host.name), targets: targets.map((l) => l.host.name), opts });
      for (const [i, t] of targets.entries()) {
        if (refuseAfter !== undefined && i >= refuseAfter) throw new Error(`${action} of ${targets.slice(i).map((x) => x.host.name).join(', ')} refused: 1 under-replicated`);
        report.done(t.host.name, 'changed', `${action}ed`);
      }
    },
  };
}

describe('runDay2', () => {
  it('restart and start: ZooKeeper before Kafka; stop: Kafka first', () => {
    const roles = [role('zookeeper', []), role('kafka', [])];
    expect(day2Roles(inv, { action: 'restart', roles }).map((r) => r.name)).toEqual(['zookeeper', 'kafka']);
    expect(day2Roles(inv, { action: 'start', roles }).map((r) => r.name)).toEqual(['zookeeper', 'kafka']);
    expect(day2Roles(inv, { action: 'stop', roles }).map((r) => r.name)).toEqual(['kafka', 'zookeeper']);
    expect(day2Roles(inv, { action: 'stop', roles, role: 'zookeeper' }).map((r) => r.name)).toEqual(['zookeeper']);
  });

  it('--limit: the gates see every host of the role, the handler restarts the targets only; one step per target', async () => {
    const calls: Call[] = [];
    const rep = await runDay2(inv, { action: 'restart', roles: [role('zookeeper', calls), role('kafka', calls)], limit: ['b'], verify: false, connect: async (h) => fake(h.name) });
    expect(calls.map((c) => [c.role, c.all, c.targets, c.opts.whole])).toEqual([
      ['zookeeper', ['a', 'b', 'c'], ['b'], false],
      ['kafka', ['a', 'b', 'c'], ['b'], false],
    ]);
    expect(rep.mode).toBe('restart');
    expect(rep.hosts.map((h) => [h.name, h.steps.map((s) => `${s.id} ${s.status}`)])).toEqual([['b', ['zookeeper.restart changed', 'kafka.restart changed']]]);
    expect(rep.exitCode).toBe(0);
  });

  it('a gate that refuses: exit 1, the hosts not reached are skipped, the roles after it are not run', async () => {
    const calls: Call[] = [];
    const rep = await runDay2(inv, { action: 'stop', roles: [role('zookeeper', calls), role('kafka', calls, 1)], verify: false, connect: async (h) => fake(h.name) });
    expect(calls.map((c) => [c.role, c.opts.whole])).toEqual([['kafka', true]]);
    expect(rep.exitCode).toBe(1);
    expect(rep.clusterErrors).toEqual(['kafka: stop of b, c refused: 1 under-replicated']);
    expect(rep.hosts.map((h) => h.steps.map((s) => `${s.id} ${s.status}`))).toEqual([['kafka.stop changed'], ['kafka.stop skipped'], ['kafka.stop skipped']]);
  });

  it('an unreachable target fails alone (exit 1), the others are still done', async () => {
    const calls: Call[] = [];
    const { ConnectionError } = await import('../../../src/errors/zkk-error.js');
    const rep = await runDay2(inv, {
      action: 'start',
      roles: [role('zookeeper', calls)],
      verify: false,
      connect: async (h) => {
        if (h.name === 'c') throw new ConnectionError('CONNECT', 'c', 'cannot connect');
        return fake(h.name);
      },
    });
    expect(calls[0]!.targets).toEqual(['a', 'b']);
    expect(rep.hosts.map((h) => h.status)).toEqual(['ok', 'ok', 'unreachable']);
    expect(rep.exitCode).toBe(1);
  });
});
