/**
 * The SSH connector: one ssh2 connection per host for the whole run (via node-ssh),
 * a limit on concurrent channels, SFTP uploads, sudo for non-root logins (-n, or the
 * prompt handshake of sudo-handshake.ts with a password), host keys checked against the
 * user's and the system's known_hosts, passphrase-protected keys, a connect timeout and
 * retries. Errors name the host and the cause.
 */
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { NodeSSH, type Config } from 'node-ssh';
import { ConnectionError, ExitCode, RemoteCommandError, ZkkError } from '../errors/zkk-error.js';
import { maskSecrets, quote, type Command } from '../shell/command.js';
import type { Connector, ExecOptions, ExecResult, TransportStats } from './connector.js';
import {
  hostPattern,
  preferredAlgorithms,
  readKnownKeys,
  recordHostKey,
  SYSTEM_KNOWN_HOSTS,
  verifyHostKey,
  type HostKeyVerdict,
  type KnownKey,
} from './known-hosts.js';
import { loadPrivateKey, type AskPassphrase, type LoadedKey } from './private-key.js';
import { readSshConfig } from './ssh-config.js';
import type { SshSettings } from '../inventory/ssh-settings.js';
import { driveSudoChannel, newSudoMarkers, sudoWithPromptCommand, type SudoChannel, type SudoMarkers } from './sudo-handshake.js';
import { Semaphore } from './semaphore.js';

/** One host to reach: the inventory's resolved ssh settings, plus who it is and the sudo password. */
export interface SshTarget extends SshSettings {
  /** Display name (inventory host name). */
  name: string;
  address: string;
  sudoPassword?: string;
}

/** What only the caller can do: ask the user. */
export interface ConnectCallbacks {
  /** Ask for the passphrase of an encrypted identity file (the CLI prompts on a terminal). */
  askPassphrase?: AskPassphrase;
}

const OUTPUT_CAP = 1 << 20; // 1 MiB of stdout/stderr kept per command
const MAX_CHANNELS = 8; // below sshd's MaxSessions default of 10

export async function connectSsh(target: SshTarget, callbacks: ConnectCallbacks = {}): Promise<Connector> {
  // ~/.ssh/config may know the host by its inventory name or by its address.
  const cfgByName = target.name !== target.address ? await readSshConfig(target.config, target.name) : {};
  const cfg = await readSshConfig(target.config, target.address);
  const hostName = target.address;
  const port = target.port ?? cfg.port ?? cfgByName.port ?? 22;
  const user = target.user ?? cfg.user ?? cfgByName.user ?? 'root';
  // The inventory's knownHosts, unless it is the default and ~/.ssh/config names others
  // (UserKnownHostsFile); new keys are recorded in the first. The system files are read too.
  const cfgKnownHosts = cfg.userKnownHostsFiles ?? cfgByName.userKnownHostsFiles;
  const userKnownHosts = target.knownHosts === DEFAULT_KNOWN_HOSTS && cfgKnownHosts ? cfgKnownHosts : [target.knownHosts];
  const knownHostsFile = userKnownHosts[0];
  const names = [...new Set([hostPattern(hostName, port), ...(target.name !== hostName ? [hostPattern(target.name, port)] : [])])];
  const known = await readKnownKeys([...userKnownHosts, ...SYSTEM_KNOWN_HOSTS], names);

  const agent = target.agent === false ? undefined : process.env.SSH_AUTH_SOCK;
  const identity = await identityFileFor(target);
  const key: LoadedKey = identity ? await loadPrivateKey(identity, target.name, !!agent, callbacks.askPassphrase) : {};
  const privateKey = key.privateKey;
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
    passphrase: key.passphrase,
    agent,
    readyTimeout: Math.round(target.connectTimeout * 1000),
    keepaliveInterval: 5000,
    keepaliveCountMax: 3,
    algorithms: known.length ? { serverHostKey: { prepend: preferredAlgorithms(known), append: [], remove: [] } as never } : undefined,
    hostVerifier: (hostKey: Buffer) => {
      presented = hostKey;
      verdict = verifyHostKey(known, hostKey);
      if (verdict.status === 'revoked') return false; // whatever the policy, as OpenSSH
      if (target.hostKeyPolicy === 'off') return true;
      if (verdict.status === 'match') return true;
      // a CA is on record for this host, and host certificates cannot be checked here:
      // taking the plain key on first use would silently bypass it
      if (verdict.status === 'unknown') return target.hostKeyPolicy === 'accept-new' && !verdict.certAuthority;
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
      const err = classifyConnectError(e, target, verdict, known, knownHostsFile, port, user, key);
      if (!err.retryable || attempt === target.connectRetries) throw err.error;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  if (!ssh) throw classifyConnectError(lastError, target, verdict, known, knownHostsFile, port, user, key).error;
  if (verdict?.status === 'unknown' && target.hostKeyPolicy === 'accept-new' && presented && knownHostsFile) {
    await recordHostKey(knownHostsFile, names, presented);
  }

  const usesSudo = user !== 'root' && target.sudo !== false;
  const conn = new SshConnector(target.name, ssh, stats, usesSudo, target.sudoPassword);
  if (usesSudo && target.sudoPassword !== undefined) await conn.checkSudoPassword(user);
  return conn;
}

const DEFAULT_KNOWN_HOSTS = path.join(os.homedir(), '.ssh', 'known_hosts');

/** The identity file a connection to the target would use (inventory, ~/.ssh/config, ~/.ssh/id_*). */
export async function identityFileFor(target: Pick<SshTarget, 'name' | 'address' | 'identityFile' | 'config'>): Promise<string | undefined> {
  if (target.identityFile) return target.identityFile;
  const cfg = await readSshConfig(target.config, target.address);
  const cfgByName = target.name !== target.address ? await readSshConfig(target.config, target.name) : {};
  return cfg.identityFile ?? cfgByName.identityFile ?? (await defaultIdentity());
}

/**
 * Before any progress display: ask once for the passphrase of every encrypted identity
 * file these targets use, so connecting later prompts nobody.
 */
export async function unlockIdentityFiles(targets: readonly Pick<SshTarget, 'name' | 'address' | 'identityFile' | 'config' | 'agent'>[], ask: AskPassphrase): Promise<void> {
  const byFile = new Map<string, string>();
  for (const t of targets) {
    const file = await identityFileFor(t);
    if (file && !byFile.has(file)) byFile.set(file, t.name);
  }
  for (const [file, host] of byFile) {
    try {
      await loadPrivateKey(file, host, false, ask);
    } catch (e) {
      // an unreadable key is that host's connection error, reported when it connects
      if ((e as ConnectionError).code === 'SSH_KEY_PASSPHRASE') throw e;
    }
  }
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
  known: readonly KnownKey[],
  knownHostsFile: string | undefined,
  port: number,
  user: string,
  key: LoadedKey,
): { error: ConnectionError; retryable: boolean } {
  const err = e as Error & { code?: string; level?: string };
  const where = `${user}@${target.address}:${port}`;
  const knownHosts = knownHostsFile ?? '~/.ssh/known_hosts';
  if (verdict?.status === 'revoked') {
    const files = [...new Set(known.filter((k) => k.marker === 'revoked').map((k) => k.file).filter(Boolean))].join(', ');
    return {
      retryable: false,
      error: new ConnectionError('HOST_KEY_REVOKED', target.name, `host key for ${target.address} is marked @revoked${files ? ` in ${files}` : ''} — refusing to connect, whatever the host key policy`, {
        hint: 'the host must get a new host key; then record it (ssh-keyscan) and connect again',
      }),
    };
  }
  if (verdict?.status === 'changed') {
    const pattern = hostPattern(target.address, port);
    const holder = known.find((k) => !k.marker && k.file)?.file ?? knownHosts;
    return {
      retryable: false,
      error: new ConnectionError('HOST_KEY_CHANGED', target.name, `host key for ${target.address} has CHANGED — refusing to connect (possible man-in-the-middle, or the host was reinstalled)`, {
        hint: `if the host was legitimately reinstalled: ssh-keygen -f ${quote(holder)} -R ${quote(pattern)}`,
      }),
    };
  }
  if (verdict?.status === 'unknown' && verdict.certAuthority && target.hostKeyPolicy !== 'off') {
    return {
      retryable: false,
      error: new ConnectionError('HOST_CERT_UNSUPPORTED', target.name, `known_hosts has a @cert-authority line for ${target.address} but no plain key, and zkk cannot check host certificates`, {
        hint: `verify the host's key, then add it as a plain line (ssh-keyscan -p ${port} ${target.address} >> ${knownHosts})`,
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
        hint: key.encryptedSkipped
          ? `${key.encryptedSkipped} is protected by a passphrase and there was no terminal to ask for it, so only ssh-agent's keys were offered: ssh-add ${key.encryptedSkipped}`
          : 'check ssh.user and ssh.identityFile, and that the public key is in the remote authorized_keys',
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
  private readonly markers: SudoMarkers = newSudoMarkers();
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
    this.stats.commands++;
    const timeout = () => new RemoteCommandError(this.host, command.display, null, `timed out after ${opts.timeoutMs} ms`);
    let res: ExecResult;
    if (sudo && this.sudoPassword !== undefined) {
      const r = await this.channels.run(() => withTimeout(this.execWithSudoPassword(command.text, opts.stdin), opts.timeoutMs, timeout));
      if (!r.started) throw this.sudoRefused(r, command.display);
      res = r;
    } else {
      const text = sudo ? `sudo -n -- sh -c ${quote(command.text)}` : command.text;
      res = await this.channels.run(() =>
        withTimeout(this.ssh.execCommand(text, { stdin: opts.stdin === undefined ? undefined : toStream(opts.stdin), noTrim: true }), opts.timeoutMs, timeout),
      );
    }
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

  /** At connect time: the password works (or is not needed), so no step fails on it later. */
  async checkSudoPassword(user: string): Promise<void> {
    this.stats.commands++;
    const r = await this.channels.run(() => this.execWithSudoPassword('true', undefined));
    if (!r.started) {
      const e = this.sudoRefused(r, 'sudo true');
      throw new ConnectionError(e.code === 'SUDO_PASSWORD' ? 'SUDO_PASSWORD' : 'SUDO', this.host, `${user}: ${e.message}`, { hint: e.hint, stderr: e.stderr });
    }
  }

  /** `sudo -S` through the prompt handshake: the password is written only when sudo asks. */
  private execWithSudoPassword(commandText: string, stdin: string | Buffer | undefined) {
    const client = this.ssh.connection;
    if (!client) return Promise.reject(new RemoteCommandError(this.host, 'sudo', null, 'the SSH connection is closed'));
    return new Promise<Awaited<ReturnType<typeof driveSudoChannel>>>((resolve, reject) => {
      client.exec(sudoWithPromptCommand(commandText, this.markers), (err, ch) => {
        if (err) return reject(new RemoteCommandError(this.host, 'sudo', null, err.message));
        driveSudoChannel(ch as unknown as SudoChannel, this.markers, this.sudoPassword!, stdin).then(resolve, reject);
      });
    });
  }

  private sudoRefused(r: Awaited<ReturnType<typeof driveSudoChannel>>, display: string): ZkkError {
    const [code, message, hint] = r.passwordRefused
      ? ['SUDO_PASSWORD', 'sudo refused the password given to --ask-sudo-pass', "run zkk again and type the login user's sudo password"]
      : r.noHandshake
        ? ['SUDO', "sudo neither asked for the password with zkk's prompt nor ran the command", 'a sudoers passprompt_override or a PAM prompt replaces sudo -p; configure password-less sudo for the login user instead']
        : ['SUDO', `sudo did not run the command (exit ${r.code})`, 'check that the login user may use sudo on this host (sudo -l)'];
    return new ZkkError(code, message, { host: this.host, command: display, stderr: maskSecrets(r.stderr, this.secrets), exitCode: ExitCode.connection, hint });
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
