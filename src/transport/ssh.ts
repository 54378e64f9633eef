/**
 * The SSH connector: one ssh2 connection per host for the whole run (via node-ssh),
 * a limit on concurrent channels, SFTP uploads, sudo for non-root logins (-n, or the
 * prompt handshake of sudo-handshake.ts with a password), host keys checked against the
 * user's and the system's known_hosts, passphrase-protected keys, a connect timeout and
 * retries. Errors name the host and the cause.
 */
import { readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { NodeSSH, type Config } from 'node-ssh';
import ssh2, { type ParsedKey } from 'ssh2';
import { ConnectionError, ExitCode, RemoteCommandError, ZkkError } from '../errors/zkk-error.js';
import { maskSecrets, quote, type Command } from '../shell/command.js';
import type { ControlNetRoute } from '../shell/control-net.js';
import type { Connector, ExecOptions, ExecResult, TransportStats } from './connector.js';
import {
  hostPattern,
  preferredAlgorithms,
  readKnownKeys,
  recordHostKey,
  verifyHostKey,
  type HostKeyVerdict,
  type KnownKey,
} from './known-hosts.js';
import { loadPrivateKey, type AskPassphrase, type LoadedKey } from './private-key.js';
import { resolveRoute, type RouteInput, type SshEndpoint } from './ssh-route.js';
import type { SshSettings } from '../inventory/ssh-settings.js';
import { driveSudoChannel, newSudoMarkers, sudoWithPromptCommand, type SudoChannel, type SudoMarkers } from './sudo-handshake.js';
import { Semaphore } from './semaphore.js';

const { utils } = ssh2;

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
  const route = resolveRoute(target);
  const stats: TransportStats = { connections: 0, commands: 0, bytesUploaded: 0 };
  const jump = route.jumps.length ? await acquireJump(route.jumps, target.name, target.connectRetries, callbacks) : undefined;
  let ssh: NodeSSH;
  try {
    ssh = await openSsh(route.target, target.name, target.connectRetries, callbacks, stats, jump);
  } catch (e) {
    jump?.release();
    throw e;
  }
  const usesSudo = route.target.user !== 'root' && target.sudo !== false;
  const conn = new SshConnector(target.name, ssh, stats, usesSudo, target.sudoPassword, route.warnings, jump);
  if (usesSudo && target.sudoPassword !== undefined) await conn.checkSudoPassword(route.target.user);
  return conn;
}

/** The bastion chain one target goes through, held (ref-counted) while the target's connection lives. */
interface JumpHold {
  /** The last bastion, from which the target is reached. */
  last: JumpEntry;
  release(): void;
}

interface JumpEntry {
  key: string;
  endpoint: SshEndpoint;
  ssh: Promise<NodeSSH>;
  refs: number;
}

/** One connection per bastion (per chain that leads to it), shared by every host behind it. */
const jumpPool = new Map<string, JumpEntry>();
/** Connections made to bastions in this process (the bench prints them). */
export const jumpStats = { connections: 0 };

async function acquireJump(hops: readonly SshEndpoint[], name: string, retries: number, callbacks: ConnectCallbacks): Promise<JumpHold> {
  const held: JumpEntry[] = [];
  const release = () => {
    for (const e of held.splice(0)) {
      if (--e.refs > 0) continue;
      jumpPool.delete(e.key);
      void e.ssh.then((s) => s.dispose(), () => undefined);
    }
  };
  let prev: JumpEntry | undefined;
  try {
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i]!;
      const key = hops.slice(0, i + 1).map((h) => h.label).join(' > ');
      let entry = jumpPool.get(key);
      if (!entry) {
        const via: JumpHold | undefined = prev ? { last: prev, release: () => undefined } : undefined;
        const stats: TransportStats = { connections: 0, commands: 0, bytesUploaded: 0 };
        const created: JumpEntry = { key, endpoint: hop, refs: 0, ssh: openSsh(hop, hop.label, retries, callbacks, stats, via) };
        entry = created;
        jumpPool.set(key, created);
        created.ssh.then(
          (s) => {
            jumpStats.connections += stats.connections;
            s.connection?.on('close', () => {
              if (jumpPool.get(key) === created) jumpPool.delete(key);
            });
          },
          () => {
            if (jumpPool.get(key) === created) jumpPool.delete(key);
          },
        );
      }
      entry.refs++;
      held.push(entry);
      try {
        await entry.ssh;
      } catch (e) {
        const err = e as ConnectionError;
        throw new ConnectionError(err.code === 'UNREACHABLE' ? 'BASTION_UNREACHABLE' : err.code ?? 'BASTION_UNREACHABLE', name, `through bastion ${hop.label}: ${err.message}`, {
          hint: err.hint ?? 'check ssh.jump (or ProxyJump in ~/.ssh/config) and that the bastion is up',
          cause: e,
        });
      }
      prev = entry;
    }
  } catch (e) {
    release();
    throw e;
  }
  return { last: prev!, release };
}

/** A channel from the last bastion to host:port (the `sock` of a tunnelled connection, or a control-node check). */
async function forwardThrough(jump: JumpHold, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  const client = (await jump.last.ssh).connection;
  const label = jump.last.endpoint.label;
  if (!client) throw Object.assign(new Error(`the connection to bastion ${label} is closed`), { code: 'ECONNRESET' });
  return await new Promise<Duplex>((resolve, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error(`bastion ${label} opened no connection to ${host}:${port} within ${timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })), timeoutMs);
    client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
      clearTimeout(t);
      if (err) reject(Object.assign(new Error(`bastion ${label} cannot open a connection to ${host}:${port} (${err.message.replace(/^\(SSH\) Channel open failure: /, '')})`), { code: 'EJUMPFORWARD' }));
      else resolve(ch as unknown as Duplex);
    });
  });
}

/**
 * The control node's route to the cluster's ports when hosts sit behind bastions: for each
 * host:port asked, a local port forward (127.0.0.1:random) whose every connection is a
 * channel opened by the host's last bastion, over the same pooled bastion connection the
 * SSH sessions use. Hosts reached directly are left alone (undefined).
 */
export function controlNetThroughJumps(targets: readonly RouteInput[], retries: number, callbacks: ConnectCallbacks = {}): ControlNetRoute | undefined {
  const byHost = new Map<string, { hops: SshEndpoint[]; name: string; timeoutMs: number }>();
  for (const t of targets) {
    const r = resolveRoute(t);
    if (!r.jumps.length) continue;
    const via = { hops: r.jumps, name: t.name, timeoutMs: Math.round(r.target.connectTimeout * 1000) };
    for (const h of [t.address, t.name, r.target.host]) if (!byHost.has(h)) byHost.set(h, via);
  }
  if (!byHost.size) return undefined;
  const holds = new Map<SshEndpoint[], Promise<JumpHold>>();
  const hold = (via: { hops: SshEndpoint[]; name: string }) => {
    let h = holds.get(via.hops);
    if (!h) {
      h = acquireJump(via.hops, via.name, retries, callbacks);
      h.catch(() => holds.delete(via.hops));
      holds.set(via.hops, h);
    }
    return h;
  };
  const forwards = new Map<string, Promise<{ host: string; port: number }>>();
  return {
    endpoint(host, port) {
      const via = byHost.get(host);
      if (!via) return undefined;
      const key = `${host}:${port}`;
      let f = forwards.get(key);
      if (!f) {
        f = hold(via).then(
          (j) =>
            new Promise<{ host: string; port: number }>((resolve, reject) => {
              const server = net.createServer((local) => {
                local.pause();
                forwardThrough(j, host, port, via.timeoutMs).then(
                  (remote) => {
                    local.pipe(remote).pipe(local);
                    local.on('error', () => remote.destroy());
                    remote.on('error', () => local.destroy());
                    remote.on('close', () => local.destroy());
                    local.on('close', () => remote.destroy());
                    local.resume();
                  },
                  () => local.destroy(),
                );
              });
              server.unref();
              server.once('error', reject);
              server.listen(0, '127.0.0.1', () => resolve({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }));
            }),
        );
        f.catch(() => forwards.delete(key));
        forwards.set(key, f);
      }
      return f;
    },
    probe(host, port, timeoutMs) {
      const via = byHost.get(host);
      if (!via) return undefined;
      return hold(via)
        .then((j) => forwardThrough(j, host, port, timeoutMs))
        .then(
          (ch) => (ch.destroy(), true),
          () => false,
        );
    },
  };
}

/** One SSH connection to one endpoint (directly, or tunnelled through `jump`): host key checked, identities tried in order. */
async function openSsh(ep: SshEndpoint, name: string, retries: number, callbacks: ConnectCallbacks, stats: TransportStats, jump?: JumpHold): Promise<NodeSSH> {
  const knownHostsFile = ep.userKnownHosts[0];
  const known = await readKnownKeys([...ep.userKnownHosts, ...ep.globalKnownHosts], ep.knownNames);
  const auth = await loadIdentities(ep, name, callbacks.askPassphrase);

  let verdict: HostKeyVerdict | undefined;
  let presented: Buffer | undefined;
  const config: Config = {
    host: ep.host,
    port: ep.port,
    username: ep.user,
    authHandler: auth.methods as never,
    readyTimeout: Math.round(ep.connectTimeout * 1000),
    keepaliveInterval: ep.keepaliveIntervalMs,
    keepaliveCountMax: ep.keepaliveCountMax,
    algorithms: known.length ? { serverHostKey: { prepend: preferredAlgorithms(known), append: [], remove: [] } as never } : undefined,
    hostVerifier: (hostKey: Buffer) => {
      presented = hostKey;
      verdict = verifyHostKey(known, hostKey);
      if (verdict.status === 'revoked') return false; // whatever the policy, as OpenSSH
      if (ep.hostKeyPolicy === 'off') return true;
      if (verdict.status === 'match') return true;
      // a CA is on record for this host, and host certificates cannot be checked here:
      // taking the plain key on first use would silently bypass it
      if (verdict.status === 'unknown') return ep.hostKeyPolicy === 'accept-new' && !verdict.certAuthority;
      return false;
    },
  };

  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    const client = new NodeSSH();
    stats.connections++;
    try {
      if (jump) config.sock = (await forwardThrough(jump, ep.host, ep.port, Math.round(ep.connectTimeout * 1000))) as never;
      await client.connect(config);
      // node-ssh listens for 'error' only while connecting: a connection reset later (host
      // rebooted, link cut) would be an uncaught exception. The next exec fails instead.
      client.connection?.on('error', () => undefined);
      if (verdict?.status === 'unknown' && ep.hostKeyPolicy === 'accept-new' && presented && knownHostsFile) {
        await recordHostKey(knownHostsFile, ep.knownNames, presented);
      }
      return client;
    } catch (e) {
      lastError = e;
      client.dispose();
      const err = classifyConnectError(e, ep, name, verdict, known, knownHostsFile, auth, jump);
      if (!err.retryable || attempt === retries) throw err.error;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  throw classifyConnectError(lastError, ep, name, verdict, known, knownHostsFile, auth, jump).error;
}

interface Identities {
  /** ssh2 authHandler entries, in the order OpenSSH tries them: agent keys, then the files. */
  methods: object[];
  /** Encrypted files left out (no terminal to ask): named in the hint when authentication fails. */
  encryptedSkipped: string[];
  tried: string[];
}

/** The identities of one endpoint, as OpenSSH offers them: the agent's keys (only those of the IdentityFiles with IdentitiesOnly), then each readable IdentityFile. */
async function loadIdentities(ep: SshEndpoint, name: string, ask?: AskPassphrase): Promise<Identities> {
  const methods: object[] = [];
  const encryptedSkipped: string[] = [];
  const tried: string[] = [];
  const files: { file: string; key: LoadedKey; pub?: Buffer }[] = [];
  let encryptedError: unknown;
  for (const id of ep.identities) {
    if (!id.explicit && !(await exists(id.file))) continue; // as OpenSSH: a missing IdentityFile is skipped
    try {
      const key = await loadPrivateKey(id.file, name, !!ep.agent, ask);
      files.push({ file: id.file, key, pub: await publicBlob(id.file, key) });
    } catch (e) {
      if ((e as ConnectionError).code !== 'SSH_KEY_ENCRYPTED') throw e;
      encryptedError ??= e;
      encryptedSkipped.push(id.file);
      files.push({ file: id.file, key: { encryptedSkipped: id.file }, pub: await publicBlob(id.file, {}) });
    }
  }
  if (ep.agent) {
    const allowed = ep.identitiesOnly ? files.map((f) => f.pub).filter((b): b is Buffer => !!b) : undefined;
    methods.push({ type: 'agent', username: ep.user, agent: allowed ? new FilteredAgent(ep.agent, allowed) : ep.agent });
    tried.push(`ssh-agent (${ep.agent})`);
  }
  for (const f of files) {
    if (f.key.encryptedSkipped) {
      if (!encryptedSkipped.includes(f.file)) encryptedSkipped.push(f.file);
      continue;
    }
    methods.push({ type: 'publickey', username: ep.user, key: f.key.privateKey, passphrase: f.key.passphrase });
    tried.push(f.file);
  }
  if (!methods.length) {
    if (encryptedError) throw encryptedError;
    throw new ConnectionError('SSH_AUTH', name, `no SSH key for ${ep.label}: no identity file found (${ep.identities.map((i) => i.file).join(', ') || 'none configured'}) and no ssh-agent`, {
      hint: 'set ssh.identityFile in the inventory (or IdentityFile in ~/.ssh/config), or start ssh-agent and ssh-add a key',
    });
  }
  return { methods, encryptedSkipped, tried };
}

/** The public key blobs an ssh-agent holds ([] when it does not answer). */
function agentKeys(socket: string): Promise<Buffer[]> {
  return new Promise((resolve) =>
    new ssh2.OpenSSHAgent(socket).getIdentities((err, keys) => resolve(err ? [] : (keys ?? []).map((k) => ((k as { pubKey?: ParsedKey }).pubKey ?? (k as ParsedKey)).getPublicSSH()))),
  );
}

/** The public key blob of an identity file: from the key itself, else FILE.pub (encrypted keys). */
async function publicBlob(file: string, key: LoadedKey): Promise<Buffer | undefined> {
  if (key.privateKey) {
    const k = utils.parseKey(key.privateKey, key.passphrase);
    if (!(k instanceof Error)) return (Array.isArray(k) ? k[0] : k)?.getPublicSSH();
  }
  try {
    const k = utils.parseKey(await readFile(`${file}.pub`, 'utf8'));
    if (!(k instanceof Error)) return (Array.isArray(k) ? k[0] : k)?.getPublicSSH();
  } catch {
    /* no .pub */
  }
  return undefined;
}

/** IdentitiesOnly with an agent: only the agent's keys that are one of the IdentityFiles. */
class FilteredAgent extends ssh2.BaseAgent {
  private readonly inner: InstanceType<typeof ssh2.OpenSSHAgent>;
  constructor(socket: string, private readonly allowed: Buffer[]) {
    super();
    this.inner = new ssh2.OpenSSHAgent(socket);
  }
  override getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    this.inner.getIdentities((err, keys) => {
      if (err) return cb(err);
      const blob = (k: unknown) => ((k as { pubKey?: ParsedKey }).pubKey ?? (k as ParsedKey)).getPublicSSH();
      cb(undefined, (keys ?? []).filter((k) => this.allowed.some((a) => a.equals(blob(k)))) as ParsedKey[]);
    });
  }
  override sign(pubKey: ParsedKey, data: Buffer, options: object, cb?: (err: Error | undefined, signature?: Buffer) => void): void {
    this.inner.sign(pubKey, data, options as never, cb as never);
  }
}

async function exists(f: string): Promise<boolean> {
  try {
    await stat(f);
    return true;
  } catch {
    return false;
  }
}

/**
 * Before any progress display: ask once for the passphrase of every encrypted identity
 * file these targets (and their bastions) use, so connecting later prompts nobody.
 */
export async function unlockIdentityFiles(targets: readonly RouteInput[], ask: AskPassphrase): Promise<void> {
  const byFile = new Map<string, string>();
  const agents = new Map<string, Promise<Buffer[]>>();
  for (const t of targets) {
    const { target: ep, jumps } = resolveRoute(t);
    for (const e of [...jumps, ep]) {
      // a key the agent holds is used through the agent: nobody is asked for its passphrase
      let held: Promise<Buffer[]> = Promise.resolve([]);
      if (e.agent) {
        held = agents.get(e.agent) ?? agentKeys(e.agent);
        agents.set(e.agent, held);
      }
      for (const id of e.identities) {
        if (byFile.has(id.file) || !(id.explicit || (await exists(id.file)))) continue;
        const pub = await publicBlob(id.file, {});
        if (pub && (await held).some((b) => b.equals(pub))) continue;
        byFile.set(id.file, t.name);
      }
    }
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

function classifyConnectError(
  e: unknown,
  ep: SshEndpoint,
  name: string,
  verdict: HostKeyVerdict | undefined,
  known: readonly KnownKey[],
  knownHostsFile: string | undefined,
  auth: Identities,
  jump: JumpHold | undefined,
): { error: ConnectionError; retryable: boolean } {
  if (e instanceof ConnectionError) return { error: e, retryable: false };
  const err = e as Error & { code?: string; level?: string };
  const port = ep.port;
  const where = jump ? `${ep.label} through bastion ${jump.last.endpoint.label}` : ep.label;
  const knownHosts = knownHostsFile ?? '~/.ssh/known_hosts';
  if (verdict?.status === 'revoked') {
    const files = [...new Set(known.filter((k) => k.marker === 'revoked').map((k) => k.file).filter(Boolean))].join(', ');
    return {
      retryable: false,
      error: new ConnectionError('HOST_KEY_REVOKED', name, `host key for ${ep.host} is marked @revoked${files ? ` in ${files}` : ''} — refusing to connect, whatever the host key policy`, {
        hint: 'the host must get a new host key; then record it (ssh-keyscan) and connect again',
      }),
    };
  }
  if (verdict?.status === 'changed') {
    const pattern = hostPattern(ep.host, port);
    const holder = known.find((k) => !k.marker && k.file)?.file ?? knownHosts;
    return {
      retryable: false,
      error: new ConnectionError('HOST_KEY_CHANGED', name, `host key for ${ep.host} has CHANGED — refusing to connect (possible man-in-the-middle, or the host was reinstalled)`, {
        hint: `if the host was legitimately reinstalled: ssh-keygen -f ${quote(holder)} -R ${quote(pattern)}`,
      }),
    };
  }
  if (verdict?.status === 'unknown' && verdict.certAuthority && ep.hostKeyPolicy !== 'off') {
    return {
      retryable: false,
      error: new ConnectionError('HOST_CERT_UNSUPPORTED', name, `known_hosts has a @cert-authority line for ${ep.host} but no plain key, and zkk cannot check host certificates`, {
        hint: `verify the host's key, then add it as a plain line (ssh-keyscan -p ${port} ${ep.host} >> ${knownHosts})`,
      }),
    };
  }
  if (verdict?.status === 'unknown' && ep.hostKeyPolicy === 'strict') {
    return {
      retryable: false,
      error: new ConnectionError('HOST_KEY_UNKNOWN', name, `host key for ${ep.host} is not in ${knownHosts} and the policy is strict`, {
        hint: `verify the key, then add it (ssh-keyscan -p ${port} ${ep.host} >> ${knownHosts}), or use --host-key-policy accept-new`,
      }),
    };
  }
  if (err.level === 'client-authentication') {
    return {
      retryable: false,
      error: new ConnectionError('SSH_AUTH', name, `authentication failed for ${where} (${err.message})`, {
        hint: auth.encryptedSkipped.length
          ? `${auth.encryptedSkipped.join(', ')} ${auth.encryptedSkipped.length > 1 ? 'are' : 'is'} protected by a passphrase and there was no terminal to ask for it, so it was not offered (tried: ${auth.tried.join(', ')}): ssh-add ${auth.encryptedSkipped.join(' ')}`
          : `tried ${auth.tried.join(', ')}: check ssh.user and ssh.identityFile (or User/IdentityFile in ~/.ssh/config), and that the public key is in the remote authorized_keys`,
      }),
    };
  }
  const code = err.code ?? '';
  const causes: Record<string, string | undefined> = {
    ECONNREFUSED: 'connection refused (is sshd running on that port?)',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    ENOTFOUND: 'name not found in DNS',
    EAI_AGAIN: 'DNS lookup failed',
    ECONNRESET: 'connection reset',
  };
  if (code === 'EJUMPFORWARD' || (jump && code === 'ETIMEDOUT' && /bastion/.test(err.message))) causes[code] = err.message;
  const timeout = err.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(err.message);
  const cause = timeout ? `no SSH handshake within ${ep.connectTimeout}s (host down or unreachable?)` : causes[code] ?? err.message;
  return {
    retryable: code !== 'ENOTFOUND',
    error: new ConnectionError('UNREACHABLE', name, `cannot connect to ${where}: ${cause}`, {
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
    /** ssh_config lines zkk did not honour for this host (Match, ProxyCommand). */
    readonly warnings: readonly string[] = [],
    private readonly jump?: JumpHold,
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
    this.jump?.release();
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
