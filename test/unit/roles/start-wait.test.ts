/** The start wait's decision (pure): the usual wait, longer while the JVMs still starting are alive. */
import { describe, expect, it } from 'vitest';
import { lastErrorLine, StartWait, startVerdict } from '../../../src/roles/start-wait.js';

const log = (h: string) => `/var/log/zookeeper (${h})`;

describe('startVerdict', () => {
  it('waits within the usual time whatever the processes do', () => {
    expect(startVerdict(10_000, 80_000, 600_000, [{ name: 'zk1', alive: false }], 'ZooKeeper', log)).toEqual({ wait: true });
  });

  it('past it: goes on while every host not serving has its JVM alive, saying so', () => {
    const v = startVerdict(90_000, 80_000, 600_000, [{ name: 'zk1', alive: true }, { name: 'zk2', alive: true }], 'ZooKeeper', log);
    expect(v).toEqual({ wait: true, slow: 'zk1, zk2: ZooKeeper still starting after 90 s, its JVM alive; waiting up to 600 s' });
  });

  it('stops at once when one of them has exited, naming it and its log', () => {
    const v = startVerdict(90_000, 80_000, 600_000, [{ name: 'zk1', alive: true }, { name: 'zk2', alive: false }], 'ZooKeeper', log);
    expect(v).toEqual({ wait: false, reason: 'zk2: the ZooKeeper process is not running (it exited while starting; its log is in zk2:/var/log/zookeeper (zk2))' });
  });

  it('names the last error line of the log of a process that exited', () => {
    const v = startVerdict(90_000, 80_000, 600_000, [{ name: 'k2', alive: false, cause: 'ERROR Exiting Kafka due to fatal exception' }], 'Kafka', log);
    expect(v).toEqual({ wait: false, reason: 'k2: the Kafka process is not running (it exited while starting; the last error in its log: k2: ERROR Exiting Kafka due to fatal exception; its log is in k2:/var/log/zookeeper (k2))' });
  });

  it('lastErrorLine: the newest ERROR/FATAL or JVM error line, long ones cut', () => {
    const tail = [
      '[2026-12-02 01:00:00,001] INFO starting (kafka.server.KafkaServer)',
      '[2026-12-02 01:00:01,002] ERROR first (kafka.server.KafkaServer)',
      '[2026-12-02 01:00:01,003] INFO a line mentioning errors in passing',
      '[2026-12-02 01:00:02,004] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)',
      'java.lang.RuntimeException: Invalid cluster.id',
      '',
    ].join('\n');
    expect(lastErrorLine(tail)).toBe('[2026-12-02 01:00:02,004] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)');
    expect(lastErrorLine('Error: Could not find or load main class kafka.Kafka\n')).toBe('Error: Could not find or load main class kafka.Kafka');
    expect(lastErrorLine('INFO all well\n')).toBeUndefined();
    // a known root cause ahead of the shutdown noise after it
    const gaveUp = '[2026-12-02 01:01:00,000] ERROR [BrokerLifecycleManager id=4] Shutting down because we were unable to register with the controller quorum. (org.apache.kafka.server.BrokerLifecycleManager)';
    const noise = '[2026-12-02 01:01:00,100] ERROR [BrokerServer id=4] Fatal error during broker startup. Prepare to shutdown (kafka.server.BrokerServer)';
    expect(lastErrorLine(`${gaveUp}\n${noise}\n`)).toBe(noise);
    expect(lastErrorLine(`${gaveUp}\n${noise}\n`, /unable to register with the controller quorum/)).toBe(gaveUp);
    expect(lastErrorLine(`ERROR ${'x'.repeat(500)}`)!.length).toBe(401);
  });

  it('stops at the cap even with the JVMs alive, and past the usual time when nothing is starting', () => {
    expect(startVerdict(600_000, 80_000, 600_000, [{ name: 'k1', alive: true }], 'Kafka', log)).toEqual({ wait: false, reason: 'k1: Kafka alive but still not serving after 600 s' });
    expect(startVerdict(81_000, 80_000, 600_000, [], 'ZooKeeper', log)).toEqual({ wait: false, reason: 'not settled within 80 s' });
  });

  it('a process started again by its service manager while starting is a crash loop: the wait stops', async () => {
    const said: string[] = [];
    const w = new StartWait(0, 'Kafka', () => '/var/log/kafka', { info: (_h, m) => said.push(m) });
    expect(await w.verdict(async () => [{ name: 'k1', alive: true, pid: 100 }])).toMatchObject({ wait: true });
    expect(said).toEqual([expect.stringMatching(/^k1: Kafka still starting after \d+ s, its JVM alive; waiting up to 600 s$/)]);
    expect(await w.verdict(async () => [{ name: 'k1', alive: true, pid: 100 }])).toMatchObject({ wait: true });
    expect(said).toHaveLength(1); // once a minute
    expect(await w.verdict(async () => [{ name: 'k1', alive: true, pid: 131 }])).toEqual({
      wait: false,
      reason: 'k1: the Kafka process exited and was started again by its service manager while starting (a crash loop; its log is in k1:/var/log/kafka)',
    });
  });
});

describe('KRaft brokers that gave up registering while the controllers were starting', () => {
  const gaveUp = 'ERROR [BrokerLifecycleManager id=4] Shutting down because we were unable to register with the controller quorum.';
  it('are started again only when every broker that exited says so', async () => {
    const { gaveUpRegistering } = await import('../../../src/roles/kafka/kafka-role.js');
    expect(gaveUpRegistering([{ name: 'b1', alive: false, cause: gaveUp }, { name: 'b2', alive: true }]).map((n) => n.name)).toEqual(['b1']);
    expect(gaveUpRegistering([{ name: 'b1', alive: false, cause: gaveUp }, { name: 'b3', alive: false, cause: 'ERROR Invalid cluster.id' }])).toEqual([]);
    expect(gaveUpRegistering([{ name: 'b1', alive: false }])).toEqual([]);
    expect(gaveUpRegistering([{ name: 'b1', alive: true }])).toEqual([]);
  });
});

describe('processesAlive: the cause of an exit read from the log (the generated shell, run in bash)', () => {
  it('reads the files that exist, oldest first, in a directory with a space; a live process is not read', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, mkdirSync, writeFileSync, utimesSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { processesAlive } = await import('../../../src/roles/start-wait.js');
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'zkk-sw-')), 'log dir');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'zookeeper.log'), 'INFO starting\nERROR older file\n');
    writeFileSync(path.join(dir, 'zookeeper-zk-server-h1.out'), 'ERROR newest: Address already in use\nINFO shutting down\n');
    utimesSync(path.join(dir, 'zookeeper.log'), new Date(1000), new Date(1000));
    const conn = { host: 'h1', exec: async (c: { text: string }) => ({ stdout: execFileSync('bash', ['-c', c.text], { encoding: 'utf8' }), stderr: '', code: 0 }) };
    const host = (name: string, running: boolean) => ({ host: { name }, conn, facts: undefined, changed: new Set<string>(), running }) as never;
    const probe = (l: { running: boolean }) => ({ key: `proc-${l.running}`, script: 'true', parse: () => ({ running: l.running, pid: l.running ? 7 : undefined }) }) as never;
    const got = await processesAlive([host('h1', false), host('h2', true)], probe, () => ({ dir, names: ['zookeeper.log', 'zookeeper*.out', 'absent.log'] }));
    expect(got).toEqual([
      { name: 'h1', alive: false, cause: 'ERROR newest: Address already in use' },
      { name: 'h2', alive: true, pid: 7 },
    ]);
  });
});
