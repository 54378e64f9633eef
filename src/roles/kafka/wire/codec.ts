/**
 * The Kafka protocol's primitive types, written and read: fixed-width integers, varints,
 * (nullable) strings and arrays in their classic or compact (flexible version) encodings,
 * and tagged-field sections. No knowledge of any request.
 */

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
  uint16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return this.push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  int64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
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
  /** BYTES / COMPACT_BYTES. */
  byteField(b: Buffer): this {
    if (this.flexible) this.uvarint(b.length + 1);
    else this.int32(b.length);
    return this.push(b);
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
  /** UUID from Kafka's text form (22 characters of unpadded base64url, as meta.properties' directory.id). */
  uuid(id: string): this {
    const b = Buffer.from(id, 'base64url');
    if (b.length !== 16 || b.toString('base64url') !== id) throw new Error(`not a Kafka UUID (22 characters of base64url): ${JSON.stringify(id)}`);
    return this.push(b);
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
  /** UUID in Kafka's text form (base64url, as meta.properties and kafka-metadata-quorum.sh show it). */
  uuidText(): string {
    return Buffer.from(this.uuid(), 'hex').toString('base64url');
  }
  uvarint(): number {
    return this.unsignedVarint(35, 'varint');
  }
  /** A zigzag-encoded signed varint or varlong (record batches); exact up to 2^53. */
  varint(): number {
    const z = this.unsignedVarint(63, 'varlong');
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  private unsignedVarint(maxShift: number, name: string): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.off++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > maxShift) throw new Error(`malformed ${name} in Kafka response`);
    }
  }
  /** The next n bytes, as they are. */
  raw(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  /** BYTES / RECORDS: int32 length (non-flexible) or uvarint length + 1 (flexible); -1 is null. */
  nullableBytes(): Buffer | null {
    const len = this.flexible ? this.uvarint() - 1 : this.int32();
    return len < 0 ? null : this.raw(len);
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
