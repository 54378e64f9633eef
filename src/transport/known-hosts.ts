/**
 * known_hosts reading and recording (OpenSSH format, plain and hashed entries).
 * A key is checked by comparing the raw key blob the server presents with the entries
 * recorded for "host" (port 22) or "[host]:port".
 */
import { createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface KnownKey {
  type: string;
  blob: Buffer;
}

export type HostKeyVerdict = { status: 'match' } | { status: 'unknown' } | { status: 'changed'; knownTypes: string[] };

export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Keys recorded for any of the names (e.g. name and address) of one host. */
export function parseKnownHosts(text: string, names: readonly string[]): KnownKey[] {
  const out: KnownKey[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('@')) continue; // @cert-authority/@revoked: not used by zkk
    const [hostsField, type, b64] = t.split(/\s+/);
    if (!hostsField || !type || !b64) continue;
    if (!hostsField.split(',').some((h) => names.some((n) => hostEntryMatches(h, n)))) continue;
    out.push({ type, blob: Buffer.from(b64, 'base64') });
  }
  return out;
}

function hostEntryMatches(entry: string, name: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  if (entry.startsWith('!')) return false;
  if (entry.includes('*') || entry.includes('?')) {
    const re = new RegExp(`^${entry.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return re.test(name);
  }
  return entry === name;
}

export function keyTypeOfBlob(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function verifyHostKey(known: readonly KnownKey[], presented: Buffer): HostKeyVerdict {
  if (known.length === 0) return { status: 'unknown' };
  if (known.some((k) => k.blob.equals(presented))) return { status: 'match' };
  // zkk asks the server for the key types on record first (preferredAlgorithms), so a
  // key that matches none of them is a changed key, never merely a new type.
  return { status: 'changed', knownTypes: [...new Set(known.map((k) => k.type))] };
}

export async function readKnownHosts(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
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
  for (const k of known) {
    if (k.type === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else out.push(k.type);
  }
  return [...new Set(out)];
}
