/**
 * The engine's executor on a fake Connector (pure logic: the order of what it sends, where
 * uploads go, when it stops), and a role's plan turned into the commands it lists.
 */
import { describe, expect, it } from 'vitest';
import { RemoteCommandError, ZkkError } from '../../../src/errors/zkk-error.js';
import { executeActions } from '../../../src/engine/execute-actions.js';
import { exec, type Action } from '../../../src/ops/operation.js';
import { cmd, type Command } from '../../../src/shell/command.js';
import type { Connector, ExecOptions, ExecResult } from '../../../src/transport/connector.js';

interface Sent {
  exec?: string;
  stdin?: string;
  put?: [string, string];
}

function fakeConnector(opts: { usesSudo?: boolean; answer?: (text: string) => ExecResult } = {}): Connector & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    host: 'zk1',
    usesSudo: opts.usesSudo ?? false,
    stats: { connections: 1, commands: 0, bytesUploaded: 0 },
    sent,
    async exec(command: Command, o: ExecOptions = {}) {
      sent.push({ exec: command.text, ...(o.stdin === undefined ? {} : { stdin: String(o.stdin) }) });
      const res = opts.answer?.(command.text) ?? { stdout: '', stderr: '', code: 0 };
      if (res.code !== 0 && o.check !== false) throw new RemoteCommandError('zk1', command.display, res.code, res.stderr);
      return res;
    },
    async putFile(localPath: string, remotePath: string) {
      sent.push({ put: [localPath, remotePath] });
    },
    async close() {},
  };
}

const upload: Action = { kind: 'upload', localPath: '/cache/kafka.tgz', remotePath: '/var/cache/zkk/kafka.tgz', sha512: 'c'.repeat(128) };
const mktempAnswer = (text: string): ExecResult =>
  text.includes('mktemp -d') ? { stdout: '/var/cache/zkk/.zkk-upload-Ab12Cd\n', stderr: '', code: 0 } : { stdout: '', stderr: '', code: 0 };

describe('executeActions', () => {
  it('runs exec actions in order, with their stdin', async () => {
    const c = fakeConnector();
    await executeActions(c, [exec(cmd('mkdir', '-p', '/etc/kafka')), exec(cmd('tee', '/x'), { stdin: 'body' })]);
    expect(c.sent).toEqual([{ exec: 'mkdir -p /etc/kafka' }, { exec: 'tee /x', stdin: 'body' }]);
  });

  it('an upload goes into the fresh mktemp -d the host answered, then is checked and moved by root', async () => {
    const c = fakeConnector({ answer: mktempAnswer });
    await executeActions(c, [upload]);
    expect(c.sent).toHaveLength(3);
    expect(c.sent[0]!.exec).toContain('d=$(mktemp -d /var/cache/zkk/.zkk-upload-XXXXXX)');
    expect(c.sent[0]!.exec).not.toContain('SUDO_USER'); // a root login keeps it root-owned
    expect(c.sent[1]).toEqual({ put: ['/cache/kafka.tgz', '/var/cache/zkk/.zkk-upload-Ab12Cd/kafka.tgz'] });
    const store = c.sent[2]!.exec!.split('\n');
    expect(store.indexOf('chown -R root:root "$d"')).toBeLessThan(store.findIndex((l) => l.startsWith('actual=$(sha512sum')));
    expect(store).toContain(`if [ "$actual" != ${'c'.repeat(128)} ]; then echo "checksum mismatch after upload: $actual" >&2; exit 1; fi`);
    expect(store.at(-1)).toBe('mv -fT "$f" /var/cache/zkk/kafka.tgz');
  });

  it('on a sudo login the private directory is lent to the login user for SFTP, and taken back before the check', async () => {
    const c = fakeConnector({ usesSudo: true, answer: mktempAnswer });
    await executeActions(c, [upload]);
    expect(c.sent[0]!.exec).toContain('chown "${SUDO_USER:?sudo did not say who logged in}" "$d"');
    expect(c.sent[2]!.exec).toContain('chown -R root:root "$d"');
  });

  it('refuses an upload directory the host did not make as asked', async () => {
    const c = fakeConnector({ answer: () => ({ stdout: '/tmp/predictable\n', stderr: '', code: 0 }) });
    await expect(executeActions(c, [upload])).rejects.toThrow(/could not make a private upload directory under \/var\/cache\/zkk/);
    expect(c.sent.filter((s) => s.put)).toEqual([]);
  });

  it('stops at the first failing command', async () => {
    const c = fakeConnector({ answer: (t) => (t.startsWith('false') ? { stdout: '', stderr: 'nope', code: 1 } : { stdout: '', stderr: '', code: 0 }) });
    await expect(executeActions(c, [exec(cmd('true')), exec(cmd('false')), exec(cmd('echo', 'never'))])).rejects.toBeInstanceOf(RemoteCommandError);
    expect(c.sent.map((s) => s.exec)).toEqual(['true', 'false']);
  });

  it('a judge that finds fault fails the step with its message, the command named', async () => {
    const c = fakeConnector({ answer: () => ({ stdout: 'openjdk version "11.0.2"\n', stderr: '', code: 0 }) });
    const judged = exec(cmd('java', '-version'), { judge: (r) => (r.stdout.includes('"11') ? 'Java 11 is older than 17' : undefined) });
    const err = await executeActions(c, [judged, exec(cmd('echo', 'never'))]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZkkError);
    expect((err as ZkkError).format()).toBe('zk1: Java 11 is older than 17\n  command: java -version');
    expect(c.sent).toHaveLength(1);
  });

  it('restart actions are returned for the handler, not run', async () => {
    const c = fakeConnector();
    const restarts = await executeActions(c, [{ kind: 'restart', handler: 'kafka.restart', command: cmd('systemctl', 'restart', 'kafka') }]);
    expect(restarts.map((r) => r.handler)).toEqual(['kafka.restart']);
    expect(c.sent).toEqual([]);
  });
});
