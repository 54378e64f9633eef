/**
 * One TCP connection to one Kafka node: framing, correlation ids, timeouts and the
 * ApiVersions negotiation every request uses to pick its version.
 */
import net from 'node:net';
import tls from 'node:tls';
import { connectSocket } from '../../../shell/control-net.js';
import { scramLogin } from './sasl-authenticate.js';
import { WireReader, WireWriter } from './codec.js';
import { errorName, KafkaWireError } from './wire-error.js';

export const API = {
  fetch: 1,
  metadata: 3,
  saslHandshake: 17,
  apiVersions: 18,
  describeAcls: 29,
  createAcls: 30,
  deleteAcls: 31,
  describeConfigs: 32,
  electLeaders: 43,
  incrementalAlterConfigs: 44,
  alterPartitionReassignments: 45,
  listPartitionReassignments: 46,
  saslAuthenticate: 36,
  describeUserScramCredentials: 50,
  alterUserScramCredentials: 51,
  describeQuorum: 55,
  unregisterBroker: 64,
  addRaftVoter: 80,
  removeRaftVoter: 81,
} as const;

export interface VersionRange {
  min: number;
  max: number;
}

/** TLS (trusting this CA, checking the host name) and a SASL/SCRAM-SHA-512 login, for a secured cluster. */
export interface WireSecurity {
  tls?: { ca: string };
  sasl?: { mechanism: 'SCRAM-SHA-512'; user: string; password: string };
}

export interface WireOptions {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  clientId?: string;
  /** Default: the one set by setDefaultWireSecurity (none: plaintext). */
  security?: WireSecurity;
}

let defaultSecurity: WireSecurity | undefined;

export const defaultWireSecurity = (): WireSecurity | undefined => defaultSecurity;

/** What every connection of this process uses unless told otherwise (a run's cluster security). */
export function setDefaultWireSecurity(s: WireSecurity | undefined): void {
  defaultSecurity = s;
}

/** One TCP connection to one Kafka node; requests are answered in order (correlation ids checked). */
export class KafkaWireConnection {
  private correlation = 0;
  private pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private buffered: Buffer = Buffer.alloc(0);
  private closedError: Error | undefined;
  private versions: Map<number, VersionRange> | undefined;

  private constructor(
    private readonly socket: net.Socket,
    readonly endpoint: string,
    private readonly opts: Required<Omit<WireOptions, 'security'>>,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error(`connection to ${endpoint} closed`)));
  }

  static async connect(host: string, port: number, options: WireOptions = {}): Promise<KafkaWireConnection> {
    const { security = defaultSecurity, ...rest } = options;
    const opts: Required<Omit<WireOptions, 'security'>> = { connectTimeoutMs: 2000, requestTimeoutMs: 5000, clientId: 'zkk-status', ...rest };
    const endpoint = `${host}:${port}`;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const raw = connectSocket(host, port);
      raw.setNoDelay(true);
      // TLS: the handshake is part of connecting (a host name check against the SANs, the cluster CA only)
      const s = security?.tls ? tls.connect({ socket: raw, ca: security.tls.ca, host, ...(net.isIP(host) ? {} : { servername: host }) }) : raw;
      const ready = security?.tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`${endpoint}: no ${security?.tls ? 'TLS ' : ''}connection within ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      s.once(ready, () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        s.destroy();
        reject(new Error(`${endpoint}: ${security?.tls && !e.syscall ? `TLS: ${e.code ?? ''} ${e.message}`.trim() : e.code ?? e.message}`));
      });
    });
    const c = new KafkaWireConnection(socket, endpoint, opts);
    if (security?.sasl) {
      try {
        await scramLogin(c, security.sasl.user, security.sasl.password);
      } catch (e) {
        c.close();
        throw e;
      }
    }
    return c;
  }

  close(): void {
    this.closedError ??= new Error(`connection to ${this.endpoint} closed`);
    this.socket.destroy();
  }

  /** ApiVersions v0 (every broker and controller answers it); cached per connection. */
  async apiVersions(): Promise<Map<number, VersionRange>> {
    if (this.versions) return this.versions;
    const r = await this.send(API.apiVersions, 0, false, () => undefined, false);
    const error = r.int16();
    const keys = r.array((x) => ({ key: x.int16(), min: x.int16(), max: x.int16() }));
    if (error !== 0) throw new KafkaWireError(`${this.endpoint}: ApiVersions failed: ${errorName(error)}`, error);
    this.versions = new Map(keys.map((k) => [k.key, { min: k.min, max: k.max }]));
    return this.versions;
  }

  /** The highest version both sides support, within [lo, hi]. */
  async pickVersion(apiKey: number, lo: number, hi: number, name: string): Promise<number> {
    const range = (await this.apiVersions()).get(apiKey);
    if (!range) throw new KafkaWireError(`${this.endpoint} does not support ${name}`);
    const v = Math.min(hi, range.max);
    if (v < lo || v < range.min) throw new KafkaWireError(`${this.endpoint} supports ${name} v${range.min}-${range.max}; zkk speaks v${lo}-${hi}`);
    return v;
  }

  /**
   * Send one request and return a reader positioned at the start of the response body.
   * Request header v1 (v2 when flexible); response header v0 (v1 when flexible, except
   * ApiVersions which always answers with v0).
   */
  send(apiKey: number, version: number, flexible: boolean, body: (w: WireWriter) => void, flexibleResponseHeader = flexible): Promise<WireReader> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = ++this.correlation;
    const header = new WireWriter(false).int16(apiKey).int16(version).int32(id).headerString(this.opts.clientId);
    if (flexible) header.uvarint(0);
    const w = new WireWriter(flexible);
    body(w);
    const payload = Buffer.concat([header.bytes(), w.bytes()]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.endpoint}: no answer to request ${apiKey} within ${this.opts.requestTimeoutMs} ms`));
      }, this.opts.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(Buffer.concat([size, payload]));
    }).then((frame) => {
      const r = new WireReader(frame, false);
      r.int32(); // correlation id (checked in onData)
      r.flexible = true;
      if (flexibleResponseHeader) r.tags();
      r.flexible = flexible;
      return r;
    });
  }

  private onData(d: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, d]) : d;
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (size < 4 || size > 64 << 20) {
        this.fail(new Error(`${this.endpoint}: bad frame size ${size} (not a Kafka listener?)`));
        this.socket.destroy();
        return;
      }
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const id = frame.readInt32BE(0);
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve(frame);
    }
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(id);
    }
  }
}

/**
 * Connect to whichever endpoint answers first — connected AND answered ApiVersions, so a
 * hung process (SIGSTOP, GC storm) whose kernel still accepts connections loses the race.
 * The other connections are closed.
 */
export async function connectAny(endpoints: { host: string; port: number }[], options: WireOptions = {}): Promise<KafkaWireConnection> {
  if (endpoints.length === 0) throw new Error('no endpoints');
  const attempts = endpoints.map(async (e) => {
    const c = await KafkaWireConnection.connect(e.host, e.port, options);
    try {
      await c.apiVersions();
      return c;
    } catch (err) {
      c.close();
      throw err;
    }
  });
  try {
    const first = await Promise.any(attempts);
    for (const a of attempts) void a.then((c) => c !== first && c.close(), () => undefined);
    return first;
  } catch (e) {
    const errors = (e as AggregateError).errors ?? [e];
    throw new Error(errors.map((x: Error) => x.message).join('; '));
  }
}
