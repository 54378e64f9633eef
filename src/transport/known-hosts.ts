/**
 * known_hosts reading and recording (OpenSSH format, plain and hashed entries).
 * A key is checked by comparing the raw key blob the server presents with the entries
 * recorded for "host" (port 22) or "[host]:port", in the user's files and the system's.
 */
import { createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, ZkkError } from '../errors/zkk-error.js';

export type KnownHostMarker = 'revoked' | 'cert-authority';

export interface KnownKey {
  type: string;
  blob: Buffer;
  /** `@revoked` (never accept this key) or `@cert-authority` (a CA for host certificates). */
  marker?: KnownHostMarker;
  /** The known_hosts file the line came from. */
  file?: string;
}

export type HostKeyVerdict =
  | { status: 'match' }
  | { status: 'unknown'; certAuthority?: true }
  | { status: 'changed'; knownTypes: string[] }
  | { status: 'revoked' };

export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * Keys recorded for any of the names (e.g. name and address) of one host, as OpenSSH reads
 * them: comma-separated patterns with `*` and `?`, `!pattern` negations (a matching
 * negation excludes the line), hashed `|1|salt|hash` names, `[host]:port` for other ports,
 * and the `@revoked` / `@cert-authority` markers kept on the key.
 */
export function parseKnownHosts(text: string, names: readonly string[], file?: string): KnownKey[] {
  const out: KnownKey[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    let marker: KnownHostMarker | undefined;
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // an unknown marker: OpenSSH skips the line too
    }
    const [hostsField, type, b64] = fields;
    if (!hostsField || !type || !b64) continue;
    if (!names.some((n) => hostListMatches(hostsField.split(','), n))) continue;
    const blob = Buffer.from(b64, 'base64');
    if (blob.length === 0) continue;
    out.push({ type, blob, ...(marker ? { marker } : {}), ...(file ? { file } : {}) });
  }
  return out;
}

/** OpenSSH's match_hostname: a matching negation wins, else any positive match. */
function hostListMatches(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (hostEntryMatches(p.slice(1), name)) return false;
    } else if (hostEntryMatches(p, name)) matched = true;
  }
  return matched;
}

function hostEntryMatches(entry: string, name: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  if (entry.includes('*') || entry.includes('?')) {
    const re = new RegExp(`^${entry.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    return re.test(name);
  }
  return entry.toLowerCase() === name.toLowerCase();
}

export function keyTypeOfBlob(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function verifyHostKey(known: readonly KnownKey[], presented: Buffer): HostKeyVerdict {
  // @revoked wins over everything, whatever the policy
  if (known.some((k) => k.marker === 'revoked' && k.blob.equals(presented))) return { status: 'revoked' };
  const plain = known.filter((k) => !k.marker);
  if (plain.some((k) => k.blob.equals(presented))) return { status: 'match' };
  if (plain.length === 0) return known.some((k) => k.marker === 'cert-authority') ? { status: 'unknown', certAuthority: true } : { status: 'unknown' };
  // zkk asks the server for the key types on record first (preferredAlgorithms), so a
  // key that matches none of them is a changed key, never merely a new type.
  return { status: 'changed', knownTypes: [...new Set(plain.map((k) => k.type))] };
}

export async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return '';
    throw new ZkkError('KNOWN_HOSTS', `cannot read known_hosts file ${file}: ${code ?? (e as Error).message}`, {
      exitCode: ExitCode.connection,
      hint: 'make it readable, or point ssh.knownHosts (or UserKnownHostsFile in ~/.ssh/config) at another file',
    });
  }
}

/** OpenSSH's GlobalKnownHostsFile default: read, never written. */
export const SYSTEM_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** Every key recorded for the names in the given files (missing files hold none). */
export async function readKnownKeys(files: readonly string[], names: readonly string[]): Promise<KnownKey[]> {
  const texts = await Promise.all(files.map((f) => readKnownHosts(f)));
  return texts.flatMap((t, i) => parseKnownHosts(t, names, files[i]));
}

/** accept-new: record a first-seen key. Serialised so parallel hosts do not interleave lines. */
let appendQueue: Promise<void> = Promise.resolve();
export function recordHostKey(file: string, names: readonly string[], blob: Buffer): Promise<void> {
  const line = `${names.join(',')} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}\n`;
  appendQueue = appendQueue.then(async () => {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await appendFile(file, line, { mode: 0o600 });
  });
  return appendQueue;
}

/** Server host key algorithms to ask for first, so the server presents a key we know. */
export function preferredAlgorithms(known: readonly KnownKey[]): string[] {
  const out: string[] = [];
  for (const k of known.filter((x) => !x.marker)) {
    if (k.type === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else out.push(k.type);
  }
  return [...new Set(out)];
}
