/**
 * ZooKeeper myids as identities: each host's myid file (read with the facts) is kept; a
 * new host takes its explicit myid or the lowest free one. Runs once per run, before
 * any host is planned, so every zoo.cfg lists the same settled ids.
 */
import type { Facts } from '../../facts/gather.js';
import { pathProbe } from '../../facts/probes.js';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { Inventory, ResolvedZookeeper } from '../../inventory/resolve.js';
import type { IdentitySettlement } from '../role.js';
import { parseIdFile, settleIds, type IdClaim } from '../stable-ids.js';
import { leavingZookeeperHosts, zookeeperHosts } from './config.js';
import { joinAfterRoll } from './join-order.js';
import { fourLetterWordsProbe, isServing } from './health.js';
import { zookeeperProcessProbe } from './process.js';
import { commandProbe } from '../../facts/probes.js';
import { quote } from '../../shell/command.js';
import { adoptionPending, handZookeeperProbe, type HandZookeeperFact } from './hand-install.js';
import { confProbe, dynamicFilesProbe, initialMembership, memberSpec, type Membership } from './reconfig.js';

/**
 * Whether the data dir holds data: a transaction log, or a snapshot past zxid 0. Not
 * snapshot.0: every server writes that one for its empty tree when it starts (even a new
 * one still looking for a leader), so it says nothing about data to protect.
 */
export const snapshotProbe = (s: ResolvedZookeeper) =>
  commandProbe(`zookeeper-data:${s.dataDir}`, `ls -1 ${quote(`${s.dataDir}/version-2`)} 2>/dev/null | grep -Ec '^(log\\.|snapshot\\.0*[1-9a-f])'`);
export const holdsSnapshot = (facts: Facts, s: ResolvedZookeeper): boolean => Number(facts.get(snapshotProbe(s)).trim() || '0') > 0;

export const myidPath = (s: ResolvedZookeeper): string => `${s.dataDir}/myid`;
export const myidProbe = (s: ResolvedZookeeper) => pathProbe(myidPath(s), true);

/** What the host's myid file says: an id, none (missing, empty, not a plain file), or 'unread' (no facts). */
export function myidOnDisk(s: ResolvedZookeeper, facts: Facts | undefined, host: string): number | undefined | 'unread' {
  if (!facts) return 'unread';
  const f = facts.get(myidProbe(s));
  if (f.kind !== 'file') return undefined;
  const id = parseIdFile(f.content);
  if (id === 'garbled' || (f.content === undefined && f.size > 0))
    throw new ZkkError('IDENTITY', `${host}: ${myidPath(s)} does not hold a myid (a number)`, {
      exitCode: ExitCode.usage,
      host,
      hint: 'zkk never rewrites an id it cannot read: look at the file; if it is rubbish, write the id this server had (its server.N line in zoo.cfg) into it',
    });
  return id;
}

/** A hand install's myid counts as the host's own (hand-install.ts); zkk's own myid file must agree with it. */
function myidHeld(s: ResolvedZookeeper, facts: Facts | undefined, host: string): number | undefined | 'unread' {
  const own = myidOnDisk(s, facts, host);
  const hand = handOf(s, facts);
  if (!hand?.myid || own === 'unread') return own;
  if (own !== undefined && own !== hand.myid)
    throw new ZkkError('IDENTITY', `${host}: ${myidPath(s)} says myid ${own}, the hand-built server's myid file says ${hand.myid}`, {
      exitCode: ExitCode.usage,
      host,
      hint: 'zkk never picks between two ids: look at both files and keep the one this server serves the ensemble with',
    });
  return own ?? hand.myid;
}

const handOf = (s: ResolvedZookeeper, facts: Facts | undefined): HandZookeeperFact => (facts?.has(handZookeeperProbe(s).key) ? facts.get(handZookeeperProbe(s)) : undefined);

/**
 * The quorum and election ports the hand-built ensemble runs with (its server.<myid> line) are
 * kept unless the inventory sets them: a server taken over with other ports could not talk
 * to the others, still on theirs. Read from the hand install, or its backup once taken over.
 */
function keptPorts(s: ResolvedZookeeper, myid: number, facts: Facts | undefined): Partial<Pick<ResolvedZookeeper, 'quorumPort' | 'electionPort'>> {
  const own = handOf(s, facts)?.servers.find((x) => x.id === myid);
  if (!own) return {};
  return { quorumPort: s.portsAsked?.quorumPort ?? own.quorumPort, electionPort: s.portsAsked?.electionPort ?? own.electionPort };
}

export function settleZookeeperIds(inv: Inventory, facts: ReadonlyMap<number, Facts>): IdentitySettlement {
  const members = zookeeperHosts(inv);
  const leaving = leavingZookeeperHosts(inv);
  // a leaving server keeps its id until it is gone: nobody else takes it meanwhile
  const claims: IdClaim[] = [...members, ...leaving].map((h) => ({
    host: h.name,
    index: h.index,
    onDisk: myidHeld(h.zookeeper, facts.get(h.index), h.name),
    asked: h.zookeeper.myidAsked,
    where: myidPath(h.zookeeper),
  }));
  const settled = settleIds(claims, { what: 'myid', field: 'myid', min: 1, max: 255 });
  if (leaving.length > 0) refuseGrowAndShrink(members, leaving, facts);
  const byIndex = new Map(settled.map((s) => [s.index, s]));
  const reconfig = members.some((h) => h.zookeeper.reconfig);
  refuseConfigSwitch([...members, ...leaving], facts);
  // with reconfig, the live membership: what a serving server says it runs (the highest version)
  const live = reconfig ? liveMembership([...members, ...leaving], facts) : undefined;
  const inventorySpecs = members.map((h) => ({ id: byIndex.get(h.index)!.id, spec: memberSpec(h.address, h.zookeeper) }));
  // hosts not reached count as holding data, running and serving: nothing is started in their place
  // reconfig: a joiner starts with the live membership plus itself, so joiners never make a quorum of their own (nothing held back)
  const held = reconfig ? new Set<string>() : joinAfterRoll(
    members.map((h) => {
      const f = facts.get(h.index);
      const hand = handOf(h.zookeeper, f);
      const handHolds = adoptionPending(hand) && hand.snapshots > 0;
      const handRuns = hand?.at === 'install' && hand.pids.length > 0;
      return {
        name: h.name,
        holdsData: !f || handHolds || holdsSnapshot(f, h.zookeeper),
        running: !f || handRuns || f.get(zookeeperProcessProbe(h.zookeeper)).running,
        serving: !f || isServing(f.get(fourLetterWordsProbe(h.zookeeper.clientPort)).srvr.mode),
      };
    }),
  );
  return {
    inv: {
      ...inv,
      hosts: inv.hosts.map((h) => {
        if (!h.zookeeper || !byIndex.has(h.index)) return h;
        const myid = byIndex.get(h.index)!.id;
        const dynamicStart = h.zookeeper.reconfig && !h.zookeeper.leaving ? initialMembership({ id: myid, spec: memberSpec(h.address, h.zookeeper) }, live, inventorySpecs) : undefined;
        return { ...h, zookeeper: { ...h.zookeeper, myid, joinAfterRoll: held.has(h.name), ...keptPorts(h.zookeeper, myid, facts.get(h.index)), ...(dynamicStart ? { dynamicStart } : {}) } };
      }),
    },
    ids: settled.map((s) => ({ host: s.host, role: 'zookeeper', what: 'myid', id: s.id, source: s.source, ...(s.unread ? { unread: true } : {}) })),
  };
}

/** The membership of the serving servers, the newest version first (reconfig: `conf` as each server runs it). */
function liveMembership(hosts: ReturnType<typeof zookeeperHosts>, facts: ReadonlyMap<number, Facts>): Membership | undefined {
  const seen = hosts.flatMap((h) => {
    const f = facts.get(h.index);
    if (!f || !f.has(confProbe(h.zookeeper.clientPort).key) || !isServing(f.get(fourLetterWordsProbe(h.zookeeper.clientPort)).srvr.mode)) return [];
    const m = f.get(confProbe(h.zookeeper.clientPort));
    return m ? [m] : [];
  });
  return seen.sort((a, b) => Number(BigInt(`0x${b.version ?? '0'}`) - BigInt(`0x${a.version ?? '0'}`)))[0];
}

/**
 * A running ensemble's kind of config is not switched by zkk: a server deployed with a static
 * zoo.cfg (server lines in <confDir>/zoo.cfg) while the inventory says reconfig, or one running
 * from a dynamic config while it says static, is refused with the procedure (README: dynamic
 * reconfiguration). A switch is a restart of every server with a new config, and the static →
 * dynamic direction must seed each dynamic file from the live membership, by hand, once.
 */
function refuseConfigSwitch(hosts: ReturnType<typeof zookeeperHosts>, facts: ReadonlyMap<number, Facts>): void {
  const wrong = hosts.flatMap((h) => {
    const f = facts.get(h.index);
    if (!f) return [];
    const s = h.zookeeper;
    const cfgProbe = pathProbe(`${s.confDir}/zoo.cfg`, true);
    if (!f.has(cfgProbe.key) || !f.has(dynamicFilesProbe(s).key)) return [];
    const staticCfg = f.get(cfgProbe);
    const hasStatic = staticCfg.kind === 'file' && (staticCfg.content === undefined || /^server\.\d+\s*=/m.test(staticCfg.content));
    const hasDynamic = f.get(dynamicFilesProbe(s)).staticText !== undefined;
    if (s.reconfig && hasStatic && !hasDynamic) return [`${h.name} runs a static config (${s.confDir}/zoo.cfg lists the servers)`];
    if (!s.reconfig && hasDynamic) return [`${h.name} runs a dynamic config (${s.confDir}/dynamic/zoo.cfg)`];
    return [];
  });
  if (wrong.length === 0) return;
  const toReconfig = hosts[0]!.zookeeper.reconfig;
  throw new ZkkError('USAGE', `zookeeper.reconfig: ${toReconfig} does not match the running ensemble: ${wrong.join('; ')}`, {
    exitCode: ExitCode.usage,
    hint: toReconfig
      ? 'zkk does not switch a running static ensemble to dynamic reconfiguration: keep zookeeper.reconfig false (scaling then rolls the servers), or switch by hand as the README says (dynamic reconfiguration), then deploy'
      : 'zkk does not switch a dynamic ensemble back to a static config: set zookeeper.reconfig: true again (the servers rewrite their own membership), or switch by hand as the README says',
  });
}

/**
 * Servers added and others leaving in one deploy: refused. A roll that must both let new,
 * empty servers join (join-order.ts) and hand the quorum over to fewer servers has no
 * order that keeps the data safe and the quorum live at every step; two deploys do.
 */
function refuseGrowAndShrink(members: ReturnType<typeof zookeeperHosts>, leaving: ReturnType<typeof zookeeperHosts>, facts: ReadonlyMap<number, Facts>): void {
  const fresh = members.filter((h) => {
    const f = facts.get(h.index);
    return f !== undefined && !holdsSnapshot(f, h.zookeeper) && !f.get(zookeeperProcessProbe(h.zookeeper)).running;
  });
  if (fresh.length === 0) return;
  throw new ZkkError(
    'USAGE',
    `ZooKeeper servers added (${fresh.map((h) => h.name).join(', ')}) and leaving (${leaving.map((h) => h.name).join(', ')}) in one deploy: zkk grows or shrinks an ensemble per deploy`,
    { exitCode: ExitCode.usage, hint: 'deploy the removal first (leaving: true, then delete the host lines), then add the new hosts — or the other way round' },
  );
}
