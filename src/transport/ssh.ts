/**
 * The SSH connector: one ssh2 connection per host for the whole run (via node-ssh),
 * a limit on concurrent channels, SFTP uploads, sudo -n for non-root logins, host keys
 * checked against known_hosts, a connect timeout and retries. Errors name the host and
 * the cause.
 */
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { NodeSSH, type Config } from 'node-ssh';
import { ConnectionError, RemoteCommandError } from '../errors/zkk-error.js';
import { maskSecrets, quote, type Command } from '../shell/command.js';
import type { Connector, ExecOptions, ExecResult, TransportStats } from './connector.js';
import {
  hostPattern,
  parseKnownHosts,
  preferredAlgorithms,
  readKnownHosts,
  recordHostKey,
  verifyHostKey,
  type HostKeyVerdict,
} from './known-hosts.js';
import { readSshConfig } from './ssh-config.js';
import type { SshSettings } from '../inventory/ssh-settings.js';
import { Semaphore } from './semaphore.js';

/** One host to reach: the inventory's resolved ssh settings, plus who it is and the sudo password. */
export interface SshTarget extends SshSettings {
  /** Display name (inventory host name). */
  name: string;
  address: string;
  sudoPassword?: string;
}

const OUTPUT_CAP = 1 << 20; // 1 MiB of stdout/stderr kept per command
const MAX_CHANNELS = 8; // below sshd's MaxSessions default of 10

export async function connectSsh(target: SshTarget): Promise<Connector> {
  // ~/.ssh/config may know the host by its inventory name or by its address.
  const cfgByName = target.name !== target.address ? await readSshConfig(target.config, target.name) : {};
  const cfg = await readSshConfig(target.config, target.address);
  const hostName = target.address;
  const port = target.port ?? cfg.port ?? cfgByName.port ?? 22;
  const user = target.user ?? cfg.user ?? cfgByName.user ?? 'root';
  const knownHostsFile = target.knownHosts;
  const names = [...new Set([hostPattern(hostName, port), ...(target.name !== hostName ? [hostPattern(target.name, port)] : [])])];
  const known = parseKnownHosts(await readKnownHosts(knownHostsFile), names);

  const identity = target.identityFile ?? cfg.identityFile ?? cfgByName.identityFile ?? (await defaultIdentity());
  let privateKey: string | undefined;
  if (identity) {
    try {
      privateKey = await readFile(identity, 'utf8');
    } catch (e) {
      throw new ConnectionError('SSH_KEY', target.name, `cannot read identity file ${identity}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        hint: 'set ssh.identityFile in the inventory to a readable private key',
      });
    }
  }
  const agent = target.agent === false ? undefined : process.env.SSH_AUTH_SOCK;
  if (!privateKey && !agent) {
    throw new ConnectionError('SSH_AUTH', target.name, 'no SSH key: no identityFile, no ~/.ssh/id_* and no ssh-agent', {
      hint: 'set ssh.identityFile in the inventory or start ssh-agent',
    });
  }

  let verdict: HostKeyVerdict | undefined;
  let presented: Buffer | undefined;
  const config: Config = {
    host: hostName,
    port,
    username: user,
    privateKey,
    agent,
    readyTimeout: Math.round(target.connectTimeout * 1000),
    keepaliveInterval: 5000,
    keepaliveCountMax: 3,
    algorithms: known.length ? { serverHostKey: { prepend: preferredAlgorithms(known), append: [], remove: [] } as never } : undefined,
    hostVerifier: (key: Buffer) => {
      presented = key;
      if (target.hostKeyPolicy === 'off') return true;
      verdict = verifyHostKey(known, key);
      if (verdict.status === 'match') return true;
      if (verdict.status === 'unknown') return target.hostKeyPolicy === 'accept-new';
      return false;
    },
  };

  const stats: TransportStats = { connections: 0, commands: 0, bytesUploaded: 0 };
  let ssh: NodeSSH | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt <= target.connectRetries; attempt++) {
    const client = new NodeSSH();
    stats.connections++;
    try {
      await client.connect(config);
      // node-ssh listens for 'error' only while connecting: a connection reset later (host
      // rebooted, link cut) would be an uncaught exception. The next exec fails instead.
      client.connection?.on('error', () => undefined);
      ssh = client;
      break;
    } catch (e) {
      lastError = e;
      client.dispose();
      const err = classifyConnectError(e, target, verdict, knownHostsFile, port, user);
      if (!err.retryable || attempt === target.connectRetries) throw err.error;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  if (!ssh) throw classifyConnectError(lastError, target, verdict, knownHostsFile, port, user).error;
  if (verdict?.status === 'unknown' && target.hostKeyPolicy === 'accept-new' && presented) {
    await recordHostKey(knownHostsFile, names, presented);
  }

  const usesSudo = user !== 'root' && target.sudo !== false;
  return new SshConnector(target.name, ssh, stats, usesSudo, target.sudoPassword);
}

async function defaultIdentity(): Promise<string | undefined> {
  for (const f of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const p = path.join(os.homedir(), '.ssh', f);
    try {
      await stat(p);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function classifyConnectError(
  e: unknown,
  target: SshTarget,
  verdict: HostKeyVerdict | undefined,
  knownHosts: string,
  port: number,
  user: string,
): { error: ConnectionError; retryable: boolean } {
  const err = e as Error & { code?: string; level?: string };
  const where = `${user}@${target.address}:${port}`;
  if (verdict?.status === 'changed') {
    const pattern = hostPattern(target.address, port);
    return {
      retryable: false,
      error: new ConnectionError('HOST_KEY_CHANGED', target.name, `host key for ${target.address} has CHANGED — refusing to connect (possible man-in-the-middle, or the host was reinstalled)`, {
        hint: `if the host was legitimately reinstalled: ssh-keygen -f ${quote(knownHosts)} -R ${quote(pattern)}`,
      }),
    };
  }
  if (verdict?.status === 'unknown' && target.hostKeyPolicy === 'strict') {
    return {
      retryable: false,
      error: new ConnectionError('HOST_KEY_UNKNOWN', target.name, `host key for ${target.address} is not in ${knownHosts} and the policy is strict`, {
        hint: `verify the key, then add it (ssh-keyscan -p ${port} ${target.address} >> ${knownHosts}), or use --host-key-policy accept-new`,
      }),
    };
  }
  if (err.level === 'client-authentication') {
    return {
      retryable: false,
      error: new ConnectionError('SSH_AUTH', target.name, `authentication failed for ${where} (${err.message})`, {
        hint: 'check ssh.user and ssh.identityFile, and that the public key is in the remote authorized_keys',
      }),
    };
  }
  const code = err.code ?? '';
  const causes: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is sshd running on that port?)',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    ENOTFOUND: 'name not found in DNS',
    EAI_AGAIN: 'DNS lookup failed',
    ECONNRESET: 'connection reset',
  };
  const timeout = err.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(err.message);
  const cause = timeout ? `no SSH handshake within ${target.connectTimeout}s (host down or unreachable?)` : causes[code] ?? err.message;
  return {
    retryable: code !== 'ENOTFOUND',
    error: new ConnectionError('UNREACHABLE', target.name, `cannot connect to ${where}: ${cause}`, {
      hint: 'check the address, that the host is up and that port is open from here (ssh.connectTimeout to wait longer)',
      cause: e,
    }),
  };
}

class SshConnector implements Connector {
  private readonly channels = new Semaphore(MAX_CHANNELS);
  private readonly secrets: string[];
  constructor(
    readonly host: string,
    private readonly ssh: NodeSSH,
    readonly stats: TransportStats,
    readonly usesSudo: boolean,
    private readonly sudoPassword?: string,
  ) {
    this.secrets = sudoPassword ? [sudoPassword] : [];
  }

  async exec(command: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    const sudo = this.usesSudo && !opts.noSudo;
    let text = command.text;
    let stdin: string | Buffer | undefined = opts.stdin;
    if (sudo) {
      if (this.sudoPassword !== undefined) {
        text = `sudo -S -p '' -- sh -c ${quote(command.text)}`;
        const pw = `${this.sudoPassword}\n`;
        stdin = stdin === undefined ? pw : Buffer.concat([Buffer.from(pw), Buffer.from(stdin)]);
      } else {
        text = `sudo -n -- sh -c ${quote(command.text)}`;
      }
    }
    this.stats.commands++;
    const res = await this.channels.run(() =>
      withTimeout(
        this.ssh.execCommand(text, { stdin: stdin === undefined ? undefined : toStream(stdin), noTrim: true }),
        opts.timeoutMs,
        () => new RemoteCommandError(this.host, command.display, null, `timed out after ${opts.timeoutMs} ms`),
      ),
    );
    const out: ExecResult = {
      stdout: cap(res.stdout),
      stderr: maskSecrets(cap(res.stderr), this.secrets),
      code: res.code,
    };
    if (opts.check !== false && out.code !== 0) {
      const sudoHint = sudo && /a password is required|sudo: a terminal is required/.test(out.stderr)
        ? 'the login user needs password-less sudo, or run zkk with --ask-sudo-pass'
        : opts.hint;
      throw new RemoteCommandError(this.host, command.display, out.code, out.stderr || out.stdout, sudoHint);
    }
    return out;
  }

  async putFile(localPath: string, remotePath: string): Promise<void> {
    const size = (await stat(localPath)).size;
    await this.channels.run(() => this.ssh.putFile(localPath, remotePath, null, { concurrency: 16, chunkSize: 64 * 1024 }));
    this.stats.bytesUploaded += size;
  }

  async close(): Promise<void> {
    this.ssh.dispose();
  }
}

function cap(s: string): string {
  return s.length > OUTPUT_CAP ? `${s.slice(0, OUTPUT_CAP)}\n[… output capped at ${OUTPUT_CAP} bytes]` : s;
}

function toStream(data: string | Buffer): Readable {
  return Readable.from([Buffer.isBuffer(data) ? data : Buffer.from(data)]);
}

function withTimeout<T>(p: Promise<T>, ms: number | undefined, onTimeout: () => Error): Promise<T> {
  if (!ms) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
