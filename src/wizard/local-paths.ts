/**
 * Checks of answers that name files on this machine (the control node, where `zkk
 * deploy` will run): SSH key, known_hosts, a local mirror, release tarballs. Paths must
 * be absolute or start with ~/ (the inventory may move; relative paths would then point
 * elsewhere). These checks read the file system; the rest of the validation is pure.
 */
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { releaseRelativePath, type ReleaseSpec } from '../engine/releases.js';
import type { Check } from './validate.js';

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const no = <T = never>(reason: string): Check<T> => ({ ok: false, reason });

export function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

/** What is at a local path, without throwing. */
export function pathKind(p: string): 'file' | 'dir' | 'other' | 'missing' {
  try {
    const s = statSync(p);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

function checkLocalSyntax(text: string): Check<string> {
  const s = text.trim();
  if (!s.startsWith('/') && !s.startsWith('~/')) return no(`${s} must be an absolute path (or start with ~/)`);
  return ok(s);
}

/** A readable file that exists now. */
export function checkLocalFile(text: string, what: string): Check<string> {
  const p = checkLocalSyntax(text);
  if (!p.ok) return p;
  const real = expandHome(p.value);
  const k = pathKind(real);
  if (k === 'missing') return no(`${p.value}: no such file`);
  if (k !== 'file') return no(`${p.value} is not a file (${what} expected)`);
  try {
    accessSync(real, constants.R_OK);
  } catch {
    return no(`${p.value} is not readable`);
  }
  return p;
}

/** SSH private key: empty means "ssh-agent or ~/.ssh/id_*". */
export function checkIdentityFile(text: string): Check<string | undefined> {
  if (!text.trim()) return ok(undefined);
  const f = checkLocalFile(text, 'a private key');
  if (!f.ok) return f;
  if (f.value.endsWith('.pub')) return no(`${f.value} is a public key: give the private key (without .pub)`);
  return f;
}

/** known_hosts: may not exist yet (new keys are recorded), but its directory must. Empty: ~/.ssh/known_hosts. */
export function checkKnownHosts(text: string): Check<string | undefined> {
  if (!text.trim()) return ok(undefined);
  const p = checkLocalSyntax(text);
  if (!p.ok) return p;
  const real = expandHome(p.value);
  const k = pathKind(real);
  if (k === 'dir' || k === 'other') return no(`${p.value} is not a file`);
  if (k === 'missing' && pathKind(path.dirname(real)) !== 'dir') return no(`${path.dirname(p.value)}: no such directory`);
  return p;
}

/**
 * A mirror: an http(s) base URL laid out like the Apache archive, or a local directory
 * that holds the wanted releases in that layout (checked now, with their .sha512).
 */
export function checkMirror(text: string, releases: readonly ReleaseSpec[]): Check<string> {
  const s = text.trim().replace(/\/+$/, '');
  if (!s) return no('give a URL or a directory');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return no(`${s} is not a valid URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return no(`${u.protocol}// mirrors are not supported: use http(s):// or a local directory`);
    return ok(s);
  }
  const p = checkLocalSyntax(s);
  if (!p.ok) return no(`${s} is neither an http(s) URL nor an absolute directory`);
  const real = expandHome(p.value);
  if (pathKind(real) !== 'dir') return no(`${p.value}: no such directory`);
  for (const r of releases) {
    const rel = releaseRelativePath(r);
    if (pathKind(path.join(real, rel)) !== 'file') return no(`${r.component} ${r.version} is not in that mirror (${rel} not found)`);
    if (pathKind(path.join(real, `${rel}.sha512`)) !== 'file') return no(`${rel}.sha512 is missing in that mirror: zkk installs only verified releases`);
  }
  return p;
}

/** A release tarball with its published checksum beside it. */
export function checkReleaseFile(text: string, component: 'zookeeper' | 'kafka', version: string): Check<string> {
  const f = checkLocalFile(text, 'a release tarball');
  if (!f.ok) return f;
  if (!/\.(tgz|tar\.gz)$/.test(f.value)) return no(`${f.value} is not a .tgz/.tar.gz release`);
  const base = path.basename(f.value);
  const looksLike = component === 'zookeeper' ? /zookeeper/i.test(base) : /^kafka_/i.test(base);
  if (!looksLike) return no(`${base} does not look like a ${component === 'zookeeper' ? 'ZooKeeper (apache-zookeeper-…-bin.tar.gz)' : 'Kafka (kafka_2.13-….tgz)'} release`);
  if (!base.includes(version)) return no(`${base} is not version ${version}`);
  if (pathKind(`${expandHome(f.value)}.sha512`) !== 'file') return no(`${f.value}.sha512 is missing: zkk installs only verified releases (put the published checksum beside it)`);
  return f;
}
