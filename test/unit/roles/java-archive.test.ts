/**
 * java.archive: a JDK tarball from the control node for hosts without a package mirror.
 * Resolution (paths, defaults), the services' JAVA_HOME in units and init scripts, and the
 * java role's plan on faked facts (fresh host → unpack + links, installed → nothing).
 */
import { describe, expect, it } from 'vitest';
import { Facts } from '../../../src/facts/gather.js';
import { parseInventory } from '../../../src/inventory/load.js';
import type { ResolvedHost } from '../../../src/inventory/resolve.js';
import { javaRole, javaVersionedDir, JAVA_PATH_LINK } from '../../../src/roles/java/java-role.js';
import { renderZookeeperFiles } from '../../../src/roles/zookeeper/config.js';
import { renderKafkaFiles } from '../../../src/roles/kafka/config.js';
import type { KafkaHost } from '../../../src/roles/kafka/config.js';
import type { LocalRelease } from '../../../src/ops/archive.js';
import { allRoles, inventorySections } from '../../../src/roles/all-roles.js';
import { zookeeperRole } from '../../../src/roles/zookeeper/zookeeper-role.js';
import { kafkaRole } from '../../../src/roles/kafka/kafka-role.js';
import { handlerSubscriptions } from '../../../src/engine/run.js';

const yaml = (java: string) =>
  `cluster: c\njava: ${java}\nhosts:\n  - { address: 10.214.1.10, roles: [zookeeper, kafka] }\nkafka: { mode: zookeeper, version: 3.9.2 }\n`;

describe('java.archive', () => {
  const inv = parseInventory(yaml('{ archive: jdk/zkk-jre-17.0.15.tar.gz }'), '/srv/inv/inventory.yml', inventorySections);
  const host = inv.hosts[0]!;

  it('resolves the tarball beside the inventory and the default home', () => {
    expect(inv.java.archive).toBe('/srv/inv/jdk/zkk-jre-17.0.15.tar.gz');
    expect(inv.java.home).toBe('/usr/local/zkk-java');
    expect(javaVersionedDir(inv.java)).toBe('/usr/local/zkk-java-zkk-jre-17.0.15');
  });

  it('puts JAVA_HOME in the units and init scripts; without an archive they stay as they were', () => {
    const zk = renderZookeeperFiles(inv, host as ResolvedHost & { zookeeper: NonNullable<ResolvedHost['zookeeper']> });
    const k = renderKafkaFiles(inv, host as KafkaHost);
    expect(zk.systemdUnit).toContain('\nEnvironment=JAVA_HOME=/usr/local/zkk-java\n');
    expect(k.systemdUnit).toContain('\nEnvironment=JAVA_HOME=/usr/local/zkk-java\n');
    expect(zk.initScript).toContain('\nexport JAVA_HOME=/usr/local/zkk-java\n');
    expect(k.initScript).toContain('\nexport JAVA_HOME=/usr/local/zkk-java\n');
    const plain = parseInventory(yaml('{ install: never }'), '/srv/inv/inventory.yml', inventorySections);
    expect(renderZookeeperFiles(plain, plain.hosts[0] as never).systemdUnit).not.toContain('JAVA_HOME');
    expect(renderKafkaFiles(plain, plain.hosts[0] as KafkaHost).initScript).not.toContain('JAVA_HOME');
  });

  const rel: LocalRelease = { localPath: inv.java.archive!, fileName: 'zkk-jre-17.0.15.tar.gz', sha512: 'a'.repeat(128) };
  const ctx = { inv, host, releases: new Map([['java', rel]]), templateOverrideDir: '/nonexistent' };

  function factsFor(state: { release: 'installed' | 'cached' | 'absent'; linked: boolean; version?: string }): Facts {
    const f = new Facts();
    const vdir = javaVersionedDir(inv.java);
    for (const p of javaRole.probes(ctx)) {
      if (p.key === 'os') f.set(p.key, p.parse('id=debian\ninit=systemd\nhas=apt-get\nhas=systemctl'));
      else if (p.key.startsWith('release:')) f.set(p.key, state.release);
      else if (p.key === `path:${inv.java.home}`) f.set(p.key, state.linked ? { kind: 'link', target: vdir, mtime: 1 } : { kind: 'missing' });
      else if (p.key === `path:${JAVA_PATH_LINK}`) f.set(p.key, state.linked ? { kind: 'link', target: `${inv.java.home}/bin/java`, mtime: 1 } : { kind: 'missing' });
      else if (p.key.startsWith('java:')) f.set(p.key, p.parse(state.version ? `path=${inv.java.home}/bin/java\nopenjdk version "${state.version}" 2025-04-15\n` : ''));
      else throw new Error(`unexpected probe ${p.key}`);
    }
    return f;
  }

  it('a fresh host: upload + unpack (restarts notified), both links, no apt', () => {
    expect(javaRole.releases!(inv)).toEqual([{ component: 'java', version: 'zkk-jre-17.0.15', archivePath: 'java/zkk-jre-17.0.15.tar.gz', source: { file: inv.java.archive, sha512: undefined } }]);
    const steps = javaRole.plan(ctx, factsFor({ release: 'absent', linked: false }));
    expect(steps.map((s) => [s.id, s.outcome.kind === 'change'])).toEqual([
      ['java.archive', true],
      ['java.home-link', true],
      ['java.path-link', true],
      ['java.ensure', false],
    ]);
    const unpack = steps[0]!;
    expect(unpack.outcome.kind === 'change' && unpack.outcome.summary).toMatch(/^upload and unpack zkk-jre-17\.0\.15\.tar\.gz to \/usr\/local\/zkk-java-zkk-jre-17\.0\.15 \(then check its java -version ≥ 11\)$/);
    expect(unpack.notify).toEqual(['java.changed']);
    // …which restarts both services: their restart handlers subscribe to it
    expect(zookeeperRole.notifiedBy).toEqual({ 'zookeeper.restart': ['java.changed'] });
    expect(kafkaRole.notifiedBy).toEqual({ 'kafka.restart': ['java.changed'] });
    expect(handlerSubscriptions(allRoles).get('java.changed')).toEqual(['zookeeper.restart', 'kafka.restart']);
  });

  it('installed and linked: nothing to do', () => {
    const steps = javaRole.plan(ctx, factsFor({ release: 'installed', linked: true, version: '17.0.15' }));
    expect(steps.filter((s) => s.outcome.kind !== 'ok')).toEqual([]);
    expect(steps.at(-1)!.outcome).toEqual({ kind: 'ok', reason: 'Java 17.0.15 at /usr/local/zkk-java' });
  });

  it('an archive older than java.minVersion is refused', () => {
    const old = parseInventory(yaml('{ archive: /x/jdk-11.tar.gz, minVersion: 17 }'), '/srv/inv/inventory.yml', inventorySections);
    const c = { ...ctx, inv: old, host: old.hosts[0]! };
    const f = new Facts();
    for (const p of javaRole.probes(c)) {
      if (p.key === 'os') f.set(p.key, p.parse('init=systemd'));
      else if (p.key.startsWith('release:')) f.set(p.key, 'installed');
      else if (p.key.startsWith('path:')) f.set(p.key, { kind: 'missing' });
      else f.set(p.key, p.parse(`path=/usr/local/zkk-java/bin/java\nopenjdk version "11.0.20" 2023-07-18\n`));
    }
    const ensure = javaRole.plan(c, f).find((s) => s.id === 'java.ensure')!;
    // refused at plan time (a failed step in plan and deploy alike), with the fix
    expect(ensure.outcome).toEqual({ kind: 'blocked', reason: 'Java 11.0.20 from zkk-jre-17.0.15.tar.gz is older than 17', hint: 'point java.archive at a Java 17 tarball' });
  });
});
