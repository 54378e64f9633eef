/**
 * A minimal Kafka protocol client for read-only cluster checks from the control node:
 * ApiVersions, Metadata (all topics), DescribeConfigs (topic min.insync.replicas) and
 * DescribeQuorum (the KRaft quorum — kafkajs has no such call, and
 * kafka-metadata-quorum.sh starts a JVM on a host for every question).
 *
 * Why not kafkajs for metadata: its Metadata parser throws on any partition error, so a
 * partition without a leader (LEADER_NOT_AVAILABLE) makes the whole call fail instead of
 * being counted as offline. Here partition errors are data.
 *
 * Message layouts follow the JSON specs shipped in kafka-clients (common/message/*.json);
 * versions are negotiated with ApiVersions, flexible versions use compact encodings and
 * tagged fields.
 */
import net from 'node:net';

export const API = { metadata: 3, apiVersions: 18, describeConfigs: 32, describeQuorum: 55 } as const;

// ------------------------------------------------------------------ encoding

export class WireWriter {
  private readonly parts: Buffer[] = [];
  constructor(readonly flexible = false) {}
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    return this.push(Buffer.from(bytes));
  }
  /** STRING / COMPACT_STRING depending on the message version. */
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (this.flexible) this.uvarint(b.length + 1);
    else this.int16(b.length);
    return this.push(b);
  }
  /** NULLABLE_STRING / COMPACT_NULLABLE_STRING. */
  nullableString(s: string | null): this {
    if (s !== null) return this.string(s);
    return this.flexible ? this.uvarint(0) : this.int16(-1);
  }
  /** A header's client id: always a (non-compact) NULLABLE_STRING, even in header v2. */
  headerString(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).push(b);
  }
  nullableArray<T>(items: readonly T[] | null, each: (w: this, item: T) => void): this {
    if (items === null) return this.flexible ? this.uvarint(0) : this.int32(-1);
    if (this.flexible) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const it of items) each(this, it);
    return this;
  }
  array<T>(items: readonly T[], each: (w: this, item: T) => void): this {
    return this.nullableArray(items, each);
  }
  /** Empty tagged-field section (flexible versions only). */
  tags(): this {
    return this.flexible ? this.uvarint(0) : this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}

export class WireReader {
  private off = 0;
  constructor(
    private readonly buf: Buffer,
    public flexible = false,
  ) {}
  get remaining(): number {
    return this.buf.length - this.off;
  }
  private need(n: number): void {
    if (this.off + n > this.buf.length) throw new Error(`Kafka response truncated (need ${n} bytes at offset ${this.off} of ${this.buf.length})`);
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.off++);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.off);
    this.off += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.off);
    this.off += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.off);
    this.off += 8;
    return Number(v);
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  uuid(): string {
    this.need(16);
    const v = this.buf.subarray(this.off, this.off + 16).toString('hex');
    this.off += 16;
    return v;
  }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.off++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new Error('malformed varint in Kafka response');
    }
  }
  nullableString(): string | null {
    const len = this.flexible ? this.uvarint() - 1 : this.int16();
    if (len < 0) return null;
    this.need(len);
    const s = this.buf.toString('utf8', this.off, this.off + len);
    this.off += len;
    return s;
  }
  string(): string {
    return this.nullableString() ?? '';
  }
  nullableArray<T>(each: (r: this) => T): T[] | null {
    const n = this.flexible ? this.uvarint() - 1 : this.int32();
    if (n < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
  array<T>(each: (r: this) => T): T[] {
    return this.nullableArray(each) ?? [];
  }
  /** Skip a tagged-field section (flexible versions only). */
  tags(): void {
    if (!this.flexible) return;
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint(); // tag
      const size = this.uvarint();
      this.need(size);
      this.off += size;
    }
  }
}

// ------------------------------------------------------------------ errors

const ERROR_NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  9: 'REPLICA_NOT_AVAILABLE',
  15: 'COORDINATOR_NOT_AVAILABLE',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  41: 'NOT_CONTROLLER',
  72: 'LISTENER_NOT_FOUND',
  103: 'INCONSISTENT_VOTER_SET',
  108: 'UNKNOWN_LEADER_EPOCH',
};

export const errorName = (code: number): string => ERROR_NAMES[code] ?? `error ${code}`;

export class KafkaWireError extends Error {
  constructor(
    message: string,
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = 'KafkaWireError';
  }
}

// ------------------------------------------------------------------ connection

export interface VersionRange {
  min: number;
  max: number;
}

export interface WireOptions {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  clientId?: string;
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
    private readonly opts: Required<WireOptions>,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error(`connection to ${endpoint} closed`)));
  }

  static connect(host: string, port: number, options: WireOptions = {}): Promise<KafkaWireConnection> {
    const opts: Required<WireOptions> = { connectTimeoutMs: 2000, requestTimeoutMs: 5000, clientId: 'zkk-status', ...options };
    const endpoint = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`${endpoint}: no connection within ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new KafkaWireConnection(socket, endpoint, opts));
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`${endpoint}: ${e.code ?? e.message}`));
      });
    });
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

// ------------------------------------------------------------------ Metadata

export interface MetadataPartition {
  partition: number;
  errorCode: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface MetadataTopic {
  name: string;
  errorCode: number;
  internal: boolean;
  partitions: MetadataPartition[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  /** ZooKeeper mode: the active controller. KRaft: a random live broker (use DescribeQuorum). */
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
  topics: MetadataTopic[];
}

export function encodeMetadataRequest(w: WireWriter, version: number): void {
  w.nullableArray(null, () => undefined); // all topics
  if (version >= 4) w.bool(false); // allow_auto_topic_creation
  if (version >= 8 && version <= 10) w.bool(false); // include_cluster_authorized_operations
  if (version >= 8) w.bool(false); // include_topic_authorized_operations
  w.tags();
}

export function decodeMetadataResponse(r: WireReader, version: number): ClusterMetadata {
  if (version >= 3) r.int32(); // throttle
  const brokers = r.array((b) => {
    const nodeId = b.int32();
    const host = b.string();
    const port = b.int32();
    const rack = version >= 1 ? b.nullableString() : null;
    b.tags();
    return { nodeId, host, port, rack };
  });
  const clusterId = version >= 2 ? r.nullableString() : null;
  const controllerId = version >= 1 ? r.int32() : -1;
  const int32s = (x: WireReader) => x.int32();
  const topics = r.array((t) => {
    const errorCode = t.int16();
    const name = t.nullableString() ?? '';
    if (version >= 10) t.uuid();
    const internal = version >= 1 ? t.bool() : false;
    const partitions = t.array((p) => {
      const errorCode = p.int16();
      const partition = p.int32();
      const leader = p.int32();
      if (version >= 7) p.int32(); // leader epoch
      const replicas = p.array(int32s);
      const isr = p.array(int32s);
      const offlineReplicas = version >= 5 ? p.array(int32s) : [];
      p.tags();
      return { partition, errorCode, leader, replicas, isr, offlineReplicas };
    });
    if (version >= 8) t.int32(); // topic authorized operations
    t.tags();
    return { name, errorCode, internal, partitions };
  });
  if (version >= 8 && version <= 10) r.int32(); // cluster authorized operations
  if (version >= 13) r.int16();
  r.tags();
  return { clusterId, controllerId, brokers, topics };
}

export async function fetchMetadata(c: KafkaWireConnection): Promise<ClusterMetadata> {
  const v = await c.pickVersion(API.metadata, 1, 12, 'Metadata');
  const r = await c.send(API.metadata, v, v >= 9, (w) => encodeMetadataRequest(w, v));
  return decodeMetadataResponse(r, v);
}

// ------------------------------------------------------------------ DescribeConfigs

const TOPIC_RESOURCE = 2;

export function encodeDescribeTopicConfigs(w: WireWriter, version: number, topics: string[], keys: string[]): void {
  w.array(topics, (x, t) => {
    x.int8(TOPIC_RESOURCE);
    x.string(t);
    x.nullableArray(keys, (y, k) => y.string(k));
    x.tags();
  });
  w.bool(false); // include_synonyms
  if (version >= 3) w.bool(false); // include_documentation
  w.tags();
}

export function decodeDescribeConfigsResponse(r: WireReader, version: number): Map<string, Map<string, string | null>> {
  r.int32(); // throttle
  const out = new Map<string, Map<string, string | null>>();
  r.array((res) => {
    const errorCode = res.int16();
    res.nullableString(); // error message
    res.int8(); // resource type
    const name = res.string();
    const configs = res.array((c) => {
      const key = c.string();
      const value = c.nullableString();
      c.bool(); // read only
      if (version >= 1) c.int8(); // source
      c.bool(); // sensitive
      if (version >= 1)
        c.array((s) => {
          s.string();
          s.nullableString();
          s.int8();
          s.tags();
        });
      if (version >= 3) {
        c.int8(); // type
        c.nullableString(); // documentation
      }
      c.tags();
      return [key, value] as const;
    });
    res.tags();
    if (errorCode === 0) out.set(name, new Map(configs));
  });
  r.tags();
  return out;
}

/** Effective min.insync.replicas of each topic (topic override, else the broker default). */
export async function topicMinIsr(c: KafkaWireConnection, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (topics.length === 0) return out;
  const v = await c.pickVersion(API.describeConfigs, 1, 4, 'DescribeConfigs');
  const r = await c.send(API.describeConfigs, v, v >= 4, (w) => encodeDescribeTopicConfigs(w, v, topics, ['min.insync.replicas']));
  for (const [topic, cfg] of decodeDescribeConfigsResponse(r, v)) {
    const n = Number(cfg.get('min.insync.replicas'));
    if (Number.isFinite(n) && n > 0) out.set(topic, n);
  }
  return out;
}

// ------------------------------------------------------------------ DescribeQuorum

export interface QuorumReplica {
  nodeId: number;
  logEndOffset: number;
  /** Leader wall clock of the last fetch (-1: unknown or the leader itself); v1+. */
  lastFetchTimestamp: number;
  /** Leader wall clock of the offset the replica last caught up to (the leader: now); v1+. */
  lastCaughtUpTimestamp: number;
}

export interface QuorumDescription {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplica[];
  observers: QuorumReplica[];
  /** v2+: controller listeners by node id. */
  nodes: Map<number, { host: string; port: number }[]>;
}

export const METADATA_TOPIC = '__cluster_metadata';

export function encodeDescribeQuorumRequest(w: WireWriter): void {
  w.array([METADATA_TOPIC], (x, t) => {
    x.string(t);
    x.array([0], (y, p) => {
      y.int32(p);
      y.tags();
    });
    x.tags();
  });
  w.tags();
}

export function decodeDescribeQuorumResponse(r: WireReader, version: number): QuorumDescription {
  const replica = (x: WireReader): QuorumReplica => {
    const nodeId = x.int32();
    if (version >= 2) x.uuid();
    const logEndOffset = x.int64();
    const lastFetchTimestamp = version >= 1 ? x.int64() : -1;
    const lastCaughtUpTimestamp = version >= 1 ? x.int64() : -1;
    x.tags();
    return { nodeId, logEndOffset, lastFetchTimestamp, lastCaughtUpTimestamp };
  };
  const error = r.int16();
  const message = version >= 2 ? r.nullableString() : null;
  if (error !== 0) throw new KafkaWireError(`DescribeQuorum failed: ${errorName(error)}${message ? ` (${message})` : ''}`, error);
  let found: Omit<QuorumDescription, 'nodes'> | undefined;
  let partitionError: KafkaWireError | undefined;
  r.array((t) => {
    const topic = t.string();
    t.array((p) => {
      const index = p.int32();
      const err = p.int16();
      const msg = version >= 2 ? p.nullableString() : null;
      const leaderId = p.int32();
      const leaderEpoch = p.int32();
      const highWatermark = p.int64();
      const voters = p.array(replica);
      const observers = p.array(replica);
      p.tags();
      if (topic === METADATA_TOPIC && index === 0) {
        if (err !== 0) partitionError = new KafkaWireError(`DescribeQuorum: ${errorName(err)}${msg ? ` (${msg})` : ''}`, err);
        else found = { leaderId, leaderEpoch, highWatermark, voters, observers };
      }
    });
    t.tags();
  });
  const nodes = new Map<number, { host: string; port: number }[]>();
  if (version >= 2)
    r.array((n) => {
      const id = n.int32();
      const listeners = n.array((l) => {
        l.string(); // listener name
        const host = l.string();
        const port = l.uint16();
        l.tags();
        return { host, port };
      });
      n.tags();
      nodes.set(id, listeners);
    });
  r.tags();
  if (partitionError) throw partitionError;
  if (!found) throw new KafkaWireError(`DescribeQuorum: no answer for ${METADATA_TOPIC}-0`);
  return { ...found, nodes };
}

export async function describeQuorum(c: KafkaWireConnection): Promise<QuorumDescription> {
  const v = await c.pickVersion(API.describeQuorum, 0, 2, 'DescribeQuorum');
  const r = await c.send(API.describeQuorum, v, true, (w) => encodeDescribeQuorumRequest(w));
  return decodeDescribeQuorumResponse(r, v);
}
