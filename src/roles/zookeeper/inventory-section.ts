/**
 * How the ZooKeeper block resolves for each zookeeper host, and the rules only ZooKeeper
 * knows: explicit myids unique and 1-255, the version cluster-wide, an odd ensemble.
 *
 * The myid resolved here is provisional: the explicit one, else the lowest free in host
 * order. A deploy or plan settles it from what each host holds on disk (stable-ids.ts,
 * ZooKeeper's settleFromFacts), so hosts can be reordered, inserted or renamed.
 */
import type { HostInput } from '../../inventory/schema.js';
import type { InventorySection, SectionContext } from '../../inventory/section.js';
import { checkUniqueIds, evenQuorumWarning } from '../../inventory/rules.js';
import { jvmFlagTokens } from '../../inventory/fields.js';
import { z } from 'zod';
import { settleIds } from '../stable-ids.js';
import { zookeeperDefaults } from './defaults.js';
import { zookeeperSchema, type ResolvedZookeeper, type ZookeeperInput } from './settings.js';

export const ZOOKEEPER_ROLE = 'zookeeper';

const zookeeperOf = (h: HostInput) => h.zookeeper as ZookeeperInput | undefined;
const myidOf = (h: HostInput) => h.myid as number | undefined;
const leavingOf = (h: HostInput) => h.leaving === true;

export const zookeeperInventorySection: InventorySection<ResolvedZookeeper> = {
  key: 'zookeeper',
  hostRoles: [{ name: ZOOKEEPER_ROLE, description: 'zookeeper' }],
  schema: zookeeperSchema,
  hostFields: {
    myid: z.number().int().optional().describe('ZooKeeper myid 1-255 (default: the id the host already has on disk, else the lowest free one); refused when it contradicts the host\'s myid file'),
    leaving: z
      .boolean()
      .optional()
      .describe('true: this host\'s ZooKeeper server leaves the ensemble (scale-in). It is left out of every server list and zookeeper.connect; deploy rolls the remaining servers without it (leader last), then stops it and disables it at boot; its data dir is kept. Delete the host line afterwards'),
  },
  resolve(ctx) {
    const members = ctx.hostsWith(ZOOKEEPER_ROLE);
    checkZookeeperRules(ctx, members);
    const out = new Map<number, ResolvedZookeeper>();
    const ids = provisionalMyids(members);
    const tls = zookeeperTlsAsked(ctx.input.security);
    if (tls && (ctx.block as ZookeeperInput | undefined)?.reconfig)
      ctx.fail(['zookeeper', 'reconfig'], 'zookeeper.reconfig with security (ZooKeeper TLS) is not supported yet', 'set security: { zookeeper: { tls: false } } to keep ZooKeeper plaintext, or zookeeper.reconfig: false');
    members.forEach(({ host, index }, position) => {
      const merged = ctx.layered(zookeeperDefaults, host) as Omit<typeof zookeeperDefaults, 'jvmFlags'> & Pick<ZookeeperInput, 'release' | 'jvmFlags'>;
      const jvmFlags = jvmFlagTokens(merged.jvmFlags ?? '').join(' ');
      const asked = ctx.layered({}, host) as Partial<typeof zookeeperDefaults>;
      const portsAsked = { ...(asked.quorumPort !== undefined ? { quorumPort: asked.quorumPort } : {}), ...(asked.electionPort !== undefined ? { electionPort: asked.electionPort } : {}) };
      out.set(index, { ...merged, jvmFlags, metrics: ctx.metricsEnabled, tls, release: ctx.release(merged.release), myid: ids[position]!, myidAsked: myidOf(host), portsAsked, leaving: leavingOf(host) });
    });
    return out;
  },
  ports: (zk) => [
    { port: zk.clientPort, what: 'zookeeper.clientPort' },
    ...(zk.tls ? [{ port: zk.secureClientPort, what: 'zookeeper.secureClientPort' }] : []),
    { port: zk.quorumPort, what: 'zookeeper.quorumPort' },
    { port: zk.electionPort, what: 'zookeeper.electionPort' },
    ...(zk.adminServer.enabled ? [{ port: zk.adminServer.port, what: 'zookeeper.adminServer.port' }] : []),
    ...(zk.metrics ? [{ port: zk.metricsPort, what: 'zookeeper.metricsPort' }] : []),
  ],
  directories: (zk) => ({ data: [{ path: zk.dataDir, what: 'zookeeper.dataDir' }], install: [{ path: zk.installDir, what: 'zookeeper.installDir' }] }),
};

/** ZooKeeper TLS: a security: block whose zookeeper.tls is not false (security.zookeeper.tls, default true). */
function zookeeperTlsAsked(security: unknown): boolean {
  if (!security || typeof security !== 'object') return false;
  const zk = (security as { zookeeper?: { tls?: unknown } }).zookeeper;
  return zk?.tls !== false;
}

function checkZookeeperRules(ctx: SectionContext, members: { host: HostInput; index: number }[]): void {
  ctx.input.hosts.forEach((h, i) => {
    if (zookeeperOf(h)?.version) ctx.fail(['hosts', i, 'zookeeper', 'version'], 'the ZooKeeper version is cluster-wide', 'set it under the top-level zookeeper: block');
    if (zookeeperOf(h)?.reconfig !== undefined) ctx.fail(['hosts', i, 'zookeeper', 'reconfig'], 'zookeeper.reconfig is cluster-wide (every server runs the same kind of config)', 'set it under the top-level zookeeper: block');
  });
  const claims = members.flatMap(({ host, index }) => (myidOf(host) !== undefined ? [{ index, id: myidOf(host)!, field: 'myid' }] : []));
  // more members than ids: the first host past 255 gets none
  members.slice(255).slice(0, 1).forEach(({ index }) => ctx.fail(['hosts', index, 'myid'], `myid 256 is out of range: ${members.length} zookeeper hosts`, 'ZooKeeper ids are 1-255'));
  const inRange = claims.filter((c) => {
    if (c.id >= 1 && c.id <= 255) return true;
    ctx.fail(['hosts', c.index, 'myid'], `myid ${c.id} is out of range`, 'ZooKeeper ids are 1-255');
    return false;
  });
  checkUniqueIds(inRange, ctx.fail, (id, first) => [
    `myid ${id} is already used by hosts[${first}]`,
    'give every zookeeper host a distinct myid (or none: zkk keeps the id on disk, or assigns the lowest free one)',
  ]);
  ctx.input.hosts.forEach((h, i) => {
    if (myidOf(h) !== undefined && !h.roles.includes(ZOOKEEPER_ROLE)) ctx.fail(['hosts', i, 'myid'], 'myid is set but the host has no zookeeper role');
  });
  const version = (ctx.block as ZookeeperInput | undefined)?.version ?? zookeeperDefaults.version;
  const [maj = 0, min = 0] = version.split('.').map(Number);
  if (ctx.metricsEnabled && members.length > 0 && (maj < 3 || (maj === 3 && min < 6)))
    ctx.fail(['metrics', 'enabled'], `ZooKeeper ${version} has no Prometheus metrics provider (it came with 3.6)`, 'upgrade ZooKeeper to 3.6 or newer, or leave metrics off');
  checkReconfig(ctx, version, maj, min);
  ctx.input.hosts.forEach((h, i) => {
    if (h.leaving !== undefined && !h.roles.includes(ZOOKEEPER_ROLE)) ctx.fail(['hosts', i, 'leaving'], 'leaving is set but the host has no zookeeper role', 'leaving: true marks a ZooKeeper server that leaves the ensemble');
  });
  const staying = members.filter((m) => !leavingOf(m.host));
  if (members.length > 0 && staying.length === 0) {
    const first = members.find((m) => leavingOf(m.host))!;
    ctx.fail(['hosts', first.index, 'leaving'], 'every zookeeper host is leaving: no ensemble would remain', 'keep at least one server (leaving: true is for scale-in)');
  }
  const running = members.length;
  // the remaining servers alone must keep a quorum of the ensemble they leave (live-quorum.ts judges each step)
  if (staying.length > 0 && staying.length < Math.floor(running / 2) + 1) {
    const first = members.find((m) => leavingOf(m.host))!;
    ctx.fail(
      ['hosts', first.index, 'leaving'],
      `${running - staying.length} of ${running} ZooKeeper servers leaving at once: the ${staying.length} remaining would not keep a quorum of the ${running}-server ensemble (${Math.floor(running / 2) + 1} needed)`,
      'remove fewer than half of the servers per deploy (e.g. 7 → 5, then 5 → 3)',
    );
  }
  const even = evenQuorumWarning(staying.length, 'ZooKeeper hosts', `an even ensemble tolerates no more failures than ${staying.length - 1} — use an odd count`);
  if (even) ctx.warn(even);
}

/** Keys zkk writes itself with `reconfig: true`: extraConfig may not set them (it would fight the dynamic config). */
const RECONFIG_KEYS = /^(server\.\d+|dynamicConfigFile|reconfigEnabled|standaloneEnabled|clientPort|clientPortAddress|skipACL|group\..*|weight\..*)$/;

/** `zookeeper.reconfig: true`: ZooKeeper 3.5.3 or newer (reconfigEnabled came then), and no extraConfig key that decides the membership. */
function checkReconfig(ctx: SectionContext, version: string, maj: number, min: number): void {
  const block = ctx.block as ZookeeperInput | undefined;
  if (!block?.reconfig) return;
  const patch = Number(version.split('.')[2] ?? 0);
  if (maj < 3 || (maj === 3 && (min < 5 || (min === 5 && patch < 3))))
    ctx.fail(['zookeeper', 'reconfig'], `ZooKeeper ${version} has no dynamic reconfiguration zkk can use (reconfigEnabled and the reconfig ACL came with 3.5.3)`, 'upgrade ZooKeeper to 3.5.3 or newer (3.8 recommended), or leave reconfig off (static config, scaling by a rolling restart)');
  const words = block.fourLetterWords ?? zookeeperDefaults.fourLetterWords;
  if (!words.includes('*') && !(words.includes('conf') && words.includes('srvr')))
    ctx.fail(['zookeeper', 'fourLetterWords'], 'zookeeper.reconfig: true needs the srvr and conf four-letter words (zkk reads the live membership with conf)', 'add srvr and conf to zookeeper.fourLetterWords');
  const layers: { path: (string | number)[]; extra: Record<string, unknown> | undefined }[] = [
    { path: ['zookeeper', 'extraConfig'], extra: block.extraConfig },
    ...ctx.input.hosts.map((h, i) => ({ path: ['hosts', i, 'zookeeper', 'extraConfig'] as (string | number)[], extra: zookeeperOf(h)?.extraConfig })),
  ];
  for (const { path, extra } of layers)
    for (const key of Object.keys(extra ?? {}))
      if (RECONFIG_KEYS.test(key))
        ctx.fail([...path, key], `${key} is written by zkk (or ZooKeeper itself) with zookeeper.reconfig: true`, 'remove it from extraConfig: the membership lives in the dynamic config file and changes only by reconfig');
}

/** Before the hosts are read: the explicit myid, else the lowest free one in host order. */
function provisionalMyids(members: { host: HostInput; index: number }[]): number[] {
  const explicit = new Set(members.map((m) => myidOf(m.host)).filter((id) => id !== undefined));
  if (explicit.size < members.filter((m) => myidOf(m.host) !== undefined).length) return members.map((_, i) => i + 1); // duplicates: already refused
  return settleIds(
    members.map(({ host, index }) => ({ host: host.name ?? host.address, index, asked: myidOf(host), where: 'myid' })),
    { what: 'myid', field: 'myid', min: 1 },
  ).map((s) => s.id);
}
