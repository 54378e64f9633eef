/**
 * Ids that are identities, never positions (ZooKeeper myid, Kafka node.id): what a host
 * already has on disk is kept; a host without one takes its explicit inventory id, else
 * the lowest id nobody holds or asked for. Pure: the roles read the facts and call this
 * once per run, for the whole cluster, before any host is planned (Role.settleFromFacts).
 */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';

export type IdSource = 'on disk' | 'inventory' | 'assigned';

export interface IdClaim {
  host: string;
  /** The host's index in the inventory's hosts (for the field name in messages). */
  index: number;
  /** What the host holds now: a number, 'unread' when its facts could not be read (unreachable, --limit). */
  onDisk?: number | 'unread';
  /** Explicit id from the inventory. */
  asked?: number;
  /** Where on the host the id lives, for messages ("/var/lib/zookeeper/myid"). */
  where: string;
}

export interface SettledId {
  host: string;
  index: number;
  id: number;
  source: IdSource;
  /** Set when the id could not be read on the host (it was not reached): the inventory's or the assigned one is assumed. */
  unread?: boolean;
}

export interface IdRules {
  /** "myid", "node.id": how the messages name the id. */
  what: string;
  /** The inventory key that sets it explicitly (myid, brokerId). */
  field: string;
  min: number;
  max?: number;
}

/**
 * Settle every member's id. Refused (exit 2): an explicit id that contradicts the one on
 * disk, an explicit id that another host holds on disk, two hosts holding the same id on
 * disk, or no free id left.
 */
export function settleIds(claims: readonly IdClaim[], rules: IdRules): SettledId[] {
  const problems: string[] = [];
  const holders = new Map<number, IdClaim>();
  for (const c of claims) {
    if (typeof c.onDisk !== 'number') continue;
    const other = holders.get(c.onDisk);
    if (other)
      problems.push(
        `${other.host} and ${c.host} both hold ${rules.what} ${c.onDisk} on disk (${other.where}, ${c.where}): two servers cannot share an identity. ` +
          `Decide which host keeps ${rules.what} ${c.onDisk}; on the other, stop the service and move its data directory aside, then deploy again (it then gets a free id)`,
      );
    else holders.set(c.onDisk, c);
    if (c.asked !== undefined && c.asked !== c.onDisk)
      problems.push(
        `${c.host}: ${rules.what} on disk is ${c.onDisk} (${c.where}) but the inventory asks for ${c.asked} (hosts[${c.index}].${rules.field}). ` +
          `zkk never changes an id under its data: remove ${rules.field} from the host (zkk keeps ${c.onDisk}) or set it to ${c.onDisk}`,
      );
  }
  for (const c of claims) {
    if (c.asked === undefined || c.onDisk === c.asked) continue;
    const holder = holders.get(c.asked);
    if (holder && holder !== c)
      problems.push(
        `${c.host}: the inventory asks for ${rules.what} ${c.asked} (hosts[${c.index}].${rules.field}) but ${holder.host} already holds it on disk (${holder.where}). ` +
          `Give ${c.host} another ${rules.field}, or none (it then gets the lowest free id)`,
      );
  }
  if (problems.length > 0) throw identityError(problems);

  const taken = new Set<number>();
  for (const c of claims) {
    if (typeof c.onDisk === 'number') taken.add(c.onDisk);
    if (c.asked !== undefined) taken.add(c.asked);
  }
  let next = rules.min;
  const assign = (c: IdClaim): number => {
    while (taken.has(next)) next++;
    if (rules.max !== undefined && next > rules.max) throw identityError([`${c.host}: no free ${rules.what} left (${rules.min}-${rules.max} are all held or asked for)`]);
    taken.add(next);
    return next;
  };
  // A host not reached keeps the id the inventory order gives it, before any new host takes one.
  const assigned = new Map<IdClaim, number>();
  for (const c of claims) if (c.onDisk === 'unread' && c.asked === undefined) assigned.set(c, assign(c));
  for (const c of claims) if (c.onDisk === undefined && c.asked === undefined) assigned.set(c, assign(c));
  const out: SettledId[] = claims.map((c) => {
    const unread = c.onDisk === 'unread' ? { unread: true } : {};
    if (typeof c.onDisk === 'number') return { host: c.host, index: c.index, id: c.onDisk, source: 'on disk' };
    if (c.asked !== undefined) return { host: c.host, index: c.index, id: c.asked, source: 'inventory', ...unread };
    return { host: c.host, index: c.index, id: assigned.get(c)!, source: 'assigned', ...unread };
  });
  return out;
}

/** What a file holding one id says: the number, or undefined for a missing or empty file. */
export function parseIdFile(content: string | undefined): number | undefined | 'garbled' {
  if (content === undefined || content.trim() === '') return undefined;
  return /^\s*\d+\s*$/.test(content) ? Number(content.trim()) : 'garbled';
}

function identityError(problems: string[]): ZkkError {
  return new ZkkError('IDENTITY', problems.join('\n'), {
    exitCode: ExitCode.usage,
    hint: 'ids are identities: zkk reads them from the hosts and never rewrites one (see README, "Ids are identities")',
  });
}
