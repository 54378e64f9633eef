/**
 * How the ZooKeeper block resolves for each zookeeper host, and the rules only ZooKeeper
 * knows: myids (explicit or from host order) unique and 1-255, the version cluster-wide,
 * an odd ensemble.
 */
import type { HostInput } from '../../inventory/schema.js';
import type { InventorySection, SectionContext } from '../../inventory/section.js';
import { checkUniqueIds, evenQuorumWarning } from '../../inventory/rules.js';
import { jvmFlagTokens } from '../../inventory/fields.js';
import { z } from 'zod';
import { zookeeperDefaults } from './defaults.js';
import { zookeeperSchema, type ResolvedZookeeper, type ZookeeperInput } from './settings.js';

export const ZOOKEEPER_ROLE = 'zookeeper';

const zookeeperOf = (h: HostInput) => h.zookeeper as ZookeeperInput | undefined;
const myidOf = (h: HostInput) => h.myid as number | undefined;

export const zookeeperInventorySection: InventorySection<ResolvedZookeeper> = {
  key: 'zookeeper',
  hostRoles: [{ name: ZOOKEEPER_ROLE, description: 'zookeeper' }],
  schema: zookeeperSchema,
  hostFields: {
    myid: z.number().int().optional().describe('ZooKeeper myid 1-255 (default: position among the zookeeper hosts)'),
  },
  resolve(ctx) {
    const members = ctx.hostsWith(ZOOKEEPER_ROLE);
    checkZookeeperRules(ctx, members);
    const out = new Map<number, ResolvedZookeeper>();
    members.forEach(({ host, index }, position) => {
      const merged = ctx.layered(zookeeperDefaults, host) as Omit<typeof zookeeperDefaults, 'jvmFlags'> & Pick<ZookeeperInput, 'release' | 'jvmFlags'>;
      const jvmFlags = jvmFlagTokens(merged.jvmFlags ?? '').join(' ');
      out.set(index, { ...merged, jvmFlags, release: ctx.release(merged.release), myid: myidOf(host) ?? position + 1 });
    });
    return out;
  },
  ports: (zk) => [
    { port: zk.clientPort, what: 'zookeeper.clientPort' },
    { port: zk.quorumPort, what: 'zookeeper.quorumPort' },
    { port: zk.electionPort, what: 'zookeeper.electionPort' },
    ...(zk.adminServer.enabled ? [{ port: zk.adminServer.port, what: 'zookeeper.adminServer.port' }] : []),
  ],
  directories: (zk) => ({ data: [{ path: zk.dataDir, what: 'zookeeper.dataDir' }], install: [{ path: zk.installDir, what: 'zookeeper.installDir' }] }),
};

function checkZookeeperRules(ctx: SectionContext, members: { host: HostInput; index: number }[]): void {
  ctx.input.hosts.forEach((h, i) => {
    if (zookeeperOf(h)?.version) ctx.fail(['hosts', i, 'zookeeper', 'version'], 'the ZooKeeper version is cluster-wide', 'set it under the top-level zookeeper: block');
  });
  const claims = members.map(({ host, index }, position) => ({ index, id: myidOf(host) ?? position + 1, field: myidOf(host) !== undefined ? 'myid' : 'roles' }));
  const inRange = claims.filter((c) => {
    if (c.id >= 1 && c.id <= 255) return true;
    ctx.fail(['hosts', c.index, 'myid'], `myid ${c.id} is out of range`, 'ZooKeeper ids are 1-255');
    return false;
  });
  checkUniqueIds(inRange, ctx.fail, (id, first) => [
    `myid ${id} is already used by hosts[${first}]`,
    'give every zookeeper host a distinct myid (or none: they derive from host order)',
  ]);
  ctx.input.hosts.forEach((h, i) => {
    if (myidOf(h) !== undefined && !h.roles.includes(ZOOKEEPER_ROLE)) ctx.fail(['hosts', i, 'myid'], 'myid is set but the host has no zookeeper role');
  });
  const even = evenQuorumWarning(members.length, 'ZooKeeper hosts', `an even ensemble tolerates no more failures than ${members.length - 1} — use an odd count`);
  if (even) ctx.warn(even);
}
