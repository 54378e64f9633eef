/**
 * zookeeper.reconfig (dynamic reconfiguration), the pure parts: the inventory's refusals,
 * the static zoo.cfg without a membership, the membership read from `conf`, the static
 * comparison that ignores ZooKeeper's own rewrites, the membership a joiner starts from,
 * the zkCli session (password on stdin), the super user's digest, and the switch refusal.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Facts } from '../../../src/facts/gather.js';
import { pathProbe } from '../../../src/facts/probes.js';
import { InventoryErrors, isZkkError } from '../../../src/errors/zkk-error.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { renderDynamicFile, renderZookeeperFiles } from '../../../src/roles/zookeeper/config.js';
import { fourLetterWordsProbe } from '../../../src/roles/zookeeper/health.js';
import { myidProbe, settleZookeeperIds, snapshotProbe } from '../../../src/roles/zookeeper/identities.js';
import { zookeeperProcessProbe } from '../../../src/roles/zookeeper/process.js';
import {
  confProbe,
  dynamicFilesProbe,
  initialMembership,
  memberSpec,
  parseMembership,
  reconfigSession,
  staticDrift,
  superDigest,
  voters,
} from '../../../src/roles/zookeeper/reconfig.js';

const zkHost = (n: number, extra = '') => `  - { name: zk${n}, address: 10.214.1.${n}, roles: [zookeeper]${extra} }`;
const inventory = (n: number, block = 'version: 3.8.4, reconfig: true') =>
  parseInventory(`cluster: c\nhosts:\n${Array.from({ length: n }, (_, i) => zkHost(i + 1)).join('\n')}\nzookeeper: { ${block} }\n`, '/tmp/inv.yml', inventorySections);

function problems(block: string, hostExtra = ''): string {
  try {
    parseInventory(`cluster: c\nhosts:\n${zkHost(1, hostExtra)}\nzookeeper: { ${block} }\n`, '/tmp/inv.yml', inventorySections);
  } catch (e) {
    if (e instanceof InventoryErrors) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

const CONF = `clientPort=2181
dataDir=/var/lib/zookeeper/version-2
membership: 
server.1=10.214.1.1:2888:3888:participant;0.0.0.0:2181
server.3=10.214.1.3:2888:3888:participant;0.0.0.0:2181
server.2=10.214.1.2:2888:3888:participant;0.0.0.0:2181
server.7=10.214.1.7:2888:3888:observer;0.0.0.0:2181
version=100000003
`;

describe('inventory: zookeeper.reconfig', () => {
  it('refused before 3.5.3, per host, with a key zkk writes in extraConfig, or without the conf four-letter word', () => {
    expect(problems('version: 3.5.2, reconfig: true')).toMatch(/ZooKeeper 3\.5\.2 has no dynamic reconfiguration zkk can use \(reconfigEnabled and the reconfig ACL came with 3\.5\.3\)/);
    expect(problems('version: 3.4.14, reconfig: true')).toMatch(/3\.4\.14 has no dynamic reconfiguration/);
    expect(problems('version: 3.8.4', ', zookeeper: { reconfig: true }')).toMatch(/zookeeper\.reconfig is cluster-wide/);
    expect(problems('version: 3.8.4, reconfig: true, extraConfig: { skipACL: "yes" }')).toMatch(/skipACL is written by zkk .* with zookeeper\.reconfig: true/);
    expect(problems('version: 3.8.4, reconfig: true, extraConfig: { "server.9": "x:1:2" }')).toMatch(/server\.9 is written by zkk/);
    expect(problems('version: 3.8.4, reconfig: true, fourLetterWords: [srvr, ruok]')).toMatch(/needs the srvr and conf four-letter words/);
    expect(() => inventory(3, 'version: 3.5.3, reconfig: true')).not.toThrow();
    expect(inventory(3, 'version: 3.8.4').hosts[0]!.zookeeper!.reconfig).toBe(false);
  });

  it('zoo.cfg holds the static part only: reconfigEnabled, no server lines, no clientPort; the service runs the dynamic zoo.cfg; java.env the digest', () => {
    const inv = inventory(3);
    const files = renderZookeeperFiles(inv, inv.hosts[0] as never, {}, 'p'.repeat(43));
    expect(files.zooCfg).toMatch(/^reconfigEnabled=true$/m);
    expect(files.zooCfg).toMatch(/^standaloneEnabled=false$/m);
    expect(files.zooCfg).not.toMatch(/^server\./m);
    expect(files.zooCfg).not.toMatch(/^clientPort=/m);
    expect(files.initScript).toMatch(/^ZK_CFG='?\/etc\/zookeeper\/dynamic\/zoo\.cfg'?$/m);
    expect(files.systemdUnit).toMatch(/start \/etc\/zookeeper\/dynamic\/zoo\.cfg$/m);
    expect(files.javaEnv).toContain(`-Dzookeeper.DigestAuthenticationProvider.superDigest=${superDigest('p'.repeat(43))}`);
    expect(files.javaEnv).not.toContain('p'.repeat(43));
    const plain = renderZookeeperFiles(inventory(3, 'version: 3.8.4'), inventory(3, 'version: 3.8.4').hosts[0] as never);
    expect(plain.zooCfg).toMatch(/^server\.3=/m);
    expect(plain.javaEnv).not.toMatch(/superDigest/);
    expect(plain.initScript).not.toMatch(/ZK_CFG/);
  });

  it('the digest is DigestAuthenticationProvider.generateDigest of zkk-super:password', () => {
    expect(superDigest('secret')).toBe(`zkk-super:${createHash('sha1').update('zkk-super:secret').digest('base64')}`);
  });
});

describe('membership', () => {
  it('parsed from conf: servers by id, observers apart, the version', () => {
    const m = parseMembership(CONF)!;
    expect(m.version).toBe('100000003');
    expect(m.servers.map((s) => s.id)).toEqual([1, 2, 3, 7]);
    expect(voters(m)).toEqual([1, 2, 3]);
    expect(parseMembership('clientPort=2181\n')).toBeUndefined();
    expect(confProbe(2181).parse('zkk: no answer')).toBeUndefined();
  });

  it("a joiner starts from the live membership plus itself; a new ensemble from the inventory's servers", () => {
    const live = parseMembership(CONF)!;
    const self = { id: 4, spec: memberSpec('10.214.1.4', { quorumPort: 2888, electionPort: 3888, clientPort: 2181 }) };
    expect(self.spec).toBe('10.214.1.4:2888:3888:participant;2181');
    const start = initialMembership(self, live, []);
    expect(start.map((s) => s.id)).toEqual([1, 2, 3, 4, 7]);
    expect(renderDynamicFile(start)).toBe(
      'server.1=10.214.1.1:2888:3888:participant;0.0.0.0:2181\nserver.2=10.214.1.2:2888:3888:participant;0.0.0.0:2181\nserver.3=10.214.1.3:2888:3888:participant;0.0.0.0:2181\nserver.4=10.214.1.4:2888:3888:participant;2181\nserver.7=10.214.1.7:2888:3888:observer;0.0.0.0:2181\n',
    );
    const inv = [1, 2, 3].map((id) => ({ id, spec: `h${id}:2888:3888:participant;2181` }));
    expect(initialMembership({ id: 2, spec: inv[1]!.spec }, undefined, inv).map((s) => s.id)).toEqual([1, 2, 3]);
  });

  it("ZooKeeper's rewrite of the static file (order, comments, its pointer, clientPort erased) is no drift; a changed setting is", () => {
    const inv = inventory(3);
    const rendered = renderZookeeperFiles(inv, inv.hosts[0] as never, {}, 'p'.repeat(43)).zooCfg;
    const props = rendered.split('\n').filter((l) => l && !l.startsWith('#'));
    const rewritten = [...props].reverse().join('\n') + '\ndynamicConfigFile=/etc/zookeeper/dynamic/zoo.cfg.dynamic.100000000\n';
    expect(staticDrift(rewritten, rendered)).toEqual([]);
    expect(staticDrift(rewritten.replace('tickTime=2000', 'tickTime=3000'), rendered)).toEqual(['tickTime']);
    expect(staticDrift(rewritten.replace('reconfigEnabled=true\n', ''), rendered)).toEqual(['reconfigEnabled']);
  });

  it('the dynamic-files probe: the zoo.cfg, its pointer and the membership of the file it names', () => {
    const inv = inventory(3);
    const p = dynamicFilesProbe(inv.hosts[0]!.zookeeper!);
    expect(p.parse('')).toEqual({});
    const f = p.parse('@@zkk-static\ntickTime=2000\ndynamicConfigFile=/x/zoo.cfg.dynamic.1\n\n@@zkk-dynamic /x/zoo.cfg.dynamic.1\nserver.1=a:1:2:participant;2181\n');
    expect(f.pointer).toBe('/x/zoo.cfg.dynamic.1');
    expect(f.staticText).toMatch(/^tickTime=2000$/m);
    expect(f.dynamic!.servers.map((s) => s.id)).toEqual([1]);
    expect(p.parse('@@zkk-static\ntickTime=2000\n\n@@zkk-dynamic \n').dynamic).toBeUndefined();
  });

  it('the zkCli session: addauth as zkk-super, one reconfig, an update after it', () => {
    expect(reconfigSession('pw', { add: { id: 4, spec: 'h4:2888:3888:participant;2181' } }).split('\n').slice(0, 2)).toEqual(['addauth digest zkk-super:pw', 'reconfig -add server.4=h4:2888:3888:participant;2181']);
    const remove = reconfigSession('pw', { remove: 5 }).split('\n');
    expect(remove[1]).toBe('reconfig -remove 5');
    expect(remove[3]).toMatch(/^set \/zkk-reconfig \d+$/);
  });
});

describe('settling with reconfig', () => {
  function facts(inv: ReturnType<typeof inventory>, opts: { staticCfg?: boolean; dynamic?: boolean; serving: number[] }) {
    return new Map(
      inv.hosts.map((h) => {
        const f = new Facts();
        const s = h.zookeeper!;
        const id = Number(h.name.slice(2));
        const up = opts.serving.includes(id);
        f.set(myidProbe(s).key, up ? { kind: 'file', owner: 'zookeeper', group: 'zookeeper', mode: '0644', size: 2, mtime: 1, sha256: 'x', content: `${id}\n` } : { kind: 'missing' });
        f.set(snapshotProbe(s).key, up ? '1' : '0');
        f.set(zookeeperProcessProbe(s).key, up ? { running: true, pid: 100 + id } : { running: false });
        f.set(fourLetterWordsProbe(s.clientPort).key, { srvr: { mode: up ? (id === 1 ? 'leader' : 'follower') : 'down' } });
        f.set(pathProbe(`${s.confDir}/zoo.cfg`, true).key, up && opts.staticCfg ? { kind: 'file', content: 'server.1=a:1:2\n' } : { kind: 'missing' });
        f.set(dynamicFilesProbe(s).key, up && opts.dynamic ? { staticText: 'x=1\n' } : {});
        f.set(confProbe(s.clientPort).key, up && opts.dynamic ? parseMembership(CONF.replace('server.7=10.214.1.7:2888:3888:observer;0.0.0.0:2181\n', '')) : undefined);
        return [h.index, f];
      }),
    );
  }

  it('3 → 5: the new servers start from the live membership plus themselves, nothing held back', () => {
    const inv = inventory(5);
    const { inv: settled } = settleZookeeperIds(inv, facts(inv, { dynamic: true, serving: [1, 2, 3] }));
    const zk4 = settled.hosts[3]!.zookeeper!;
    expect(zk4.joinAfterRoll).toBe(false);
    expect(zk4.dynamicStart!.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(settled.hosts[4]!.zookeeper!.dynamicStart!.map((m) => m.id)).toEqual([1, 2, 3, 5]);
  });

  it('a static ensemble with reconfig: true is refused with the procedure (exit 2); a dynamic one with reconfig false too', () => {
    const inv = inventory(3);
    let err: unknown;
    try {
      settleZookeeperIds(inv, facts(inv, { staticCfg: true, serving: [1, 2, 3] }));
    } catch (e) {
      err = e;
    }
    expect(isZkkError(err) && err.exitCode).toBe(2);
    expect(String((err as Error).message)).toMatch(/zookeeper\.reconfig: true does not match the running ensemble: zk1 runs a static config/);
    const plain = inventory(3, 'version: 3.8.4');
    expect(() => settleZookeeperIds(plain, facts(plain, { dynamic: true, serving: [1, 2, 3] }))).toThrow(/reconfig: false does not match the running ensemble: zk1 runs a dynamic config/);
  });
});

describe('Kafka in ZooKeeper mode after a ZooKeeper scaling', () => {
  it("the brokers' server.properties list the new ensemble (by myid), leaving servers out, so deploy rolls them after the ensemble settled", async () => {
    const { renderKafkaFiles } = await import('../../../src/roles/kafka/config.js');
    const { allRoles } = await import('../../../src/roles/all-roles.js');
    const text = (leaving: string) =>
      `cluster: c\nhosts:\n${[1, 2, 3, 4, 5].map((n) => `  - { name: zk${n}, address: 10.214.1.${n}, roles: [zookeeper${n <= 3 ? ', kafka' : ''}]${n > 3 && leaving ? ', leaving: true' : ''} }`).join('\n')}\nzookeeper: { version: 3.8.4, reconfig: true }\nkafka: { version: 3.9.2 }\n`;
    const five = parseInventory(text(''), '/tmp/inv.yml', inventorySections);
    const props = (inv: typeof five) => /^zookeeper\.connect=(.*)$/m.exec(renderKafkaFiles(inv, inv.hosts[0] as never).serverProperties)![1];
    expect(props(five)).toBe('10.214.1.1:2181,10.214.1.2:2181,10.214.1.3:2181,10.214.1.4:2181,10.214.1.5:2181/kafka');
    expect(props(parseInventory(text('yes'), '/tmp/inv.yml', inventorySections))).toBe('10.214.1.1:2181,10.214.1.2:2181,10.214.1.3:2181/kafka');
    // the engine applies and converges role by role: the ZooKeeper ensemble settles before the brokers render and roll
    expect(allRoles.map((r) => r.name).indexOf('zookeeper')).toBeLessThan(allRoles.map((r) => r.name).indexOf('kafka'));
  });
});
