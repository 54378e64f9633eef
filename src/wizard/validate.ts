/**
 * Validation of `zkk init` answers, as typed. Every check returns the normalised value or
 * the reason it was refused, in words the user can act on; the same checks serve the
 * prompts (reason shown, question asked again) and the flags of `zkk init --yes` (reason
 * shown with the flag's name, exit 2). Formats come from the inventory schema, so the
 * wizard cannot accept what `zkk deploy` would refuse.
 */
import { addressProblem, dataDirProblem, LOGIN_USER, nameField, pathInside as inside, remotePathProblem, versionField } from '../inventory/fields.js';
import type { HostEntry, KafkaMode } from './answers.js';

export type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const no = <T = never>(reason: string): Check<T> => ({ ok: false, reason });

/** Inquirer-style validate: true, or the reason. */
export function asValidate<T>(check: (s: string) => Check<T>): (s: string) => true | string {
  return (s) => {
    const r = check(s);
    return r.ok ? true : r.reason;
  };
}

export function checkClusterName(text: string): Check<string> {
  const s = text.trim();
  if (!s) return no('give the cluster a name');
  const r = nameField.safeParse(s);
  return r.success ? ok(s) : no(`"${s}": ${r.error.issues[0]?.message ?? 'not a valid name'}`);
}

export function checkHostName(text: string): Check<string> {
  const r = nameField.safeParse(text);
  return r.success && text ? ok(text) : no(`host name "${text}": ${r.success ? 'empty' : r.error.issues[0]?.message}`);
}

/** An IPv4/IPv6 address or a DNS name (RFC 1123 labels). */
export function checkAddress(text: string): Check<string> {
  const s = text.trim();
  const problem = addressProblem(s);
  return problem ? no(problem) : ok(s);
}

/** Split a pasted list on commas, spaces and newlines. */
export function splitList(text: string): string[] {
  return text.split(/[\s,;]+/).filter(Boolean);
}

/** One host of a list: `address` or `name=address`. */
export function parseHostToken(token: string): Check<HostEntry> {
  const eq = token.indexOf('=');
  if (eq < 0) {
    const a = checkAddress(token);
    return a.ok ? ok({ address: a.value }) : a;
  }
  const n = checkHostName(token.slice(0, eq));
  if (!n.ok) return n;
  const a = checkAddress(token.slice(eq + 1));
  return a.ok ? ok({ name: n.value, address: a.value }) : a;
}

export interface HostListStep {
  /** The whole list after the line. */
  hosts: HostEntry[];
  rejected: { token: string; reason: string }[];
}

/**
 * Apply one typed/pasted line to the hosts accepted so far: every `address` or
 * `name=address` is added unless invalid or a duplicate; `-name` (or `-address`) takes a
 * host back out.
 */
export function applyHostLine(accepted: readonly HostEntry[], line: string): HostListStep {
  const out: HostListStep = { hosts: [...accepted], rejected: [] };
  for (const token of splitList(line)) {
    if (token.startsWith('-') && token.length > 1) {
      const i = out.hosts.findIndex((h) => h.name === token.slice(1) || h.address === token.slice(1));
      if (i < 0) out.rejected.push({ token, reason: `${token.slice(1)} is not in the list` });
      else out.hosts.splice(i, 1);
      continue;
    }
    const r = parseHostToken(token);
    if (!r.ok) {
      out.rejected.push({ token, reason: r.reason });
      continue;
    }
    const dup = duplicateOf(r.value, out.hosts);
    if (dup) out.rejected.push({ token, reason: dup });
    else out.hosts.push(r.value);
  }
  return out;
}

function duplicateOf(h: HostEntry, others: readonly HostEntry[]): string | undefined {
  const label = (e: HostEntry) => e.name ?? e.address;
  for (const o of others) {
    if (o.address === h.address) return `${h.address} is already in the list (one entry per machine)`;
    if (h.name && h.name === o.address) return `the name ${h.name} is another host's address`;
    if (o.name && o.name === h.address) return `${h.address} is already the name of another host`;
    if (label(o) === label(h)) return `the name ${label(h)} is already used`;
  }
  return undefined;
}

/** A whole list at once (the --hosts flag). */
export function checkHostList(text: string): Check<HostEntry[]> {
  const step = applyHostLine([], text);
  if (step.rejected.length) return no(step.rejected.map((r) => `${r.token}: ${r.reason}`).join('; '));
  if (step.hosts.length === 0) return no('list at least one host');
  return ok(step.hosts);
}

export function checkPort(text: string): Check<number> {
  const s = text.trim();
  if (!/^\d+$/.test(s)) return no(`"${s}" is not a port number (ports are 1-65535)`);
  const n = Number(s);
  return n >= 1 && n <= 65535 ? ok(n) : no(`${n} is out of range: ports are 1-65535`);
}

export function checkVersion(text: string): Check<string> {
  const s = text.trim();
  return versionField.safeParse(s).success && s ? ok(s) : no(`"${s}" is not a version like 3.8.6 (major.minor.patch)`);
}

const versionParts = (v: string) => v.split('.').map(Number) as [number, number, number];

export function checkKafkaVersion(text: string, mode: KafkaMode): Check<string> {
  const v = checkVersion(text);
  if (!v.ok) return v;
  const [major, minor] = versionParts(v.value);
  if (mode === 'zookeeper' && major >= 4) return no(`Kafka ${v.value} has no ZooKeeper mode: use 3.9.x (the last line with it), or choose KRaft`);
  if (mode === 'zookeeper' && major < 2) return no(`Kafka ${v.value} is too old for zkk (use 3.9.x)`);
  if (mode === 'kraft' && (major < 3 || (major === 3 && minor < 3))) return no(`KRaft needs Kafka 3.3 or newer (got ${v.value})`);
  return v;
}

/** The Kafka mode a version implies when the mode is not given: 4.x is KRaft only. */
export function kafkaModeFor(version: string | undefined): KafkaMode {
  return version && versionParts(version)[0] < 4 ? 'zookeeper' : 'kraft';
}

/** A directory on the hosts: the inventory's rule (inventory/fields.ts); a trailing slash is dropped. */
export function checkRemoteDir(text: string): Check<string> {
  const s = text.trim();
  if (!s) return no('a directory is required');
  const dir = s.length > 1 ? s.replace(/\/+$/, '') : s;
  const problem = remotePathProblem(dir || '/');
  return problem ? no(problem) : ok(dir);
}

/** A data directory: a plain path placed where data survives (the inventory's rule, inventory/fields.ts). */
export function checkDataDir(text: string, ctx: { installDirs: string[]; otherDataDirs: string[] }): Check<string> {
  const d = checkRemoteDir(text);
  if (!d.ok) return d;
  const problem = dataDirProblem(d.value, ctx);
  return problem ? no(problem) : d;
}

/** Kafka log.dirs: one or more, comma/space separated, distinct. */
export function checkDataDirList(text: string, ctx: { installDirs: string[]; otherDataDirs: string[] }): Check<string[]> {
  const items = splitList(text);
  if (items.length === 0) return no('give at least one directory');
  const out: string[] = [];
  for (const item of items) {
    const d = checkDataDir(item, { installDirs: ctx.installDirs, otherDataDirs: [...ctx.otherDataDirs, ...out] });
    if (!d.ok) return d;
    out.push(d.value);
  }
  return ok(out);
}

export function checkInstallDirs(zookeeper: string | undefined, kafka: string): Check<string> {
  if (zookeeper && (inside(kafka, zookeeper) || inside(zookeeper, kafka)))
    return no(`the Kafka install directory ${kafka} overlaps the ZooKeeper one ${zookeeper}`);
  return ok(kafka);
}

/** Login name for SSH. */
export function checkUser(text: string): Check<string> {
  const s = text.trim();
  if (!LOGIN_USER.test(s)) return no(`"${s}" is not a user name (letters, digits, dot, dash, underscore)`);
  return ok(s);
}

/**
 * Which hosts a role goes to, from a flag: names or addresses (or 1-based positions),
 * comma/space separated. Returns host indexes in inventory order.
 */
export function checkHostSelection(text: string, hosts: readonly HostEntry[]): Check<number[]> {
  const picked = new Set<number>();
  for (const token of splitList(text)) {
    let i = hosts.findIndex((h) => h.name === token || h.address === token);
    if (i < 0 && /^\d+$/.test(token) && Number(token) >= 1 && Number(token) <= hosts.length) i = Number(token) - 1;
    if (i < 0) return no(`${token} is not one of the hosts (${hosts.map((h) => h.name ?? h.address).join(', ')})`);
    if (picked.has(i)) return no(`${token} is listed twice`);
    picked.add(i);
  }
  if (picked.size === 0) return no('select at least one host');
  return ok([...picked].sort((a, b) => a - b));
}

/** ZooKeeper ensemble size: at least one; an even count is allowed but warned about. */
export function zookeeperCountWarning(count: number): string | undefined {
  if (count > 0 && count % 2 === 0)
    return `${count} ZooKeeper hosts: an even ensemble tolerates no more failures than ${count - 1} — an odd count (${count - 1} or ${count + 1}) is better`;
  return undefined;
}

/** Every host needs a role, or the inventory is invalid. */
export function checkEveryHostHasRole(hosts: readonly HostEntry[], zookeeper: readonly number[], kafka: readonly number[]): Check<true> {
  const idle = hosts.filter((_, i) => !zookeeper.includes(i) && !kafka.includes(i));
  if (idle.length) return no(`${idle.map((h) => h.name ?? h.address).join(', ')} would run nothing: select ${idle.length > 1 ? 'them' : 'it'} for Kafka or ZooKeeper, or remove ${idle.length > 1 ? 'them' : 'it'} from the hosts`);
  return ok(true);
}
