/**
 * Resolve a schema-valid inventory into what every host should be. The core blocks
 * (ssh, java, firewall) resolve here; each role's block resolves through its section
 * (merging in merge.ts, shared rules in rules.ts, role rules in the role). Problems are
 * collected and thrown together, in file order.
 */
import path from 'node:path';
import { InventoryError } from '../errors/zkk-error.js';
import { inventoryProblems } from './problems.js';
import { fieldName } from './field-name.js';
import { controlNodePath, mergeLayers, normaliseSha512, resolveRelease } from './merge.js';
import { checkDirectoryOverlaps, checkPortClashes, checkUniqueHosts } from './rules.js';
import type { InventoryInput } from './schema.js';
import type { FieldPath, InventorySection, RoleSettingsByKey, SectionContext } from './section.js';
import type { SourceMap } from './yaml-source.js';
import { resolveSsh, type SshSettings } from './ssh-settings.js';

export { deepMerge, type ReleaseSource } from './merge.js';
export type { SshSettings } from './ssh-settings.js';
export type { RoleSettingsByKey } from './section.js';

/** Kept for importers of this module; the types live in the roles' settings files. */
export type ResolvedZookeeper = RoleSettingsByKey extends { zookeeper: infer Z } ? Z : never;
export type ResolvedKafka = RoleSettingsByKey extends { kafka: infer K } ? K : never;

export interface ResolvedHost extends Partial<RoleSettingsByKey> {
  name: string;
  address: string;
  index: number;
  /** The host roles from the inventory (names come from the role sections). */
  roles: Set<string>;
  ssh: SshSettings;
}

export interface JavaSettings {
  install: 'auto' | 'never';
  minVersion: number;
  package?: string;
  /** A JDK tarball on the control node (absolute): when set, every host gets it (install does not apply). */
  archive?: string;
  sha512?: string;
  /** With archive: stable symlink to the unpacked archive (JAVA_HOME of the services). */
  home: string;
}

export const DEFAULT_JAVA_HOME = '/usr/local/zkk-java';
const DEFAULT_JAVA_MIN_VERSION = 11;

export interface Inventory {
  file: string;
  dir: string;
  cluster: string;
  java: JavaSettings;
  firewall: { manage: 'auto' | 'never' };
  /** metrics.enabled: each role's Prometheus endpoint (its port in the role's block). */
  metrics: { enabled: boolean };
  hosts: ResolvedHost[];
  warnings: string[];
}

export function resolveInventory(input: InventoryInput, src: SourceMap, sections: readonly InventorySection[]): Inventory {
  const errors: InventoryError[] = [];
  const warnings: string[] = [];
  const dir = path.dirname(path.resolve(src.file));
  const fail = (p: FieldPath, message: string, hint?: string) =>
    errors.push(new InventoryError(message, { file: src.file, ...src.locate(p), field: fieldName(p), hint }));
  const localPath = (p: string) => controlNodePath(dir, p);

  checkUniqueHosts(input.hosts, fail);
  const resolved = sections.map((section) => {
    const ctx: SectionContext = {
      input,
      block: input[section.key],
      hostsWith: (...roles) => input.hosts.flatMap((host, index) => (host.roles.some((r) => roles.includes(r)) ? [{ host, index }] : [])),
      layered: (defaults, host) => mergeLayers(defaults, input[section.key] as object | undefined, host[section.key] as object | undefined),
      metricsEnabled: input.metrics?.enabled ?? false,
      release: (r) => resolveRelease(r ?? {}, localPath),
      fail,
      warn: (m) => warnings.push(m),
    };
    return { section, byHost: section.resolve(ctx) };
  });

  let javaMinVersion = DEFAULT_JAVA_MIN_VERSION;
  const hosts: ResolvedHost[] = input.hosts.map((h, i) => {
    const out: ResolvedHost = { name: h.name ?? h.address, address: h.address, index: i, roles: new Set(h.roles), ssh: resolveSsh(input.ssh, h.ssh, localPath) };
    const ports = [];
    const directories = [];
    for (const { section, byHost } of resolved) {
      if (!byHost.has(i)) continue;
      const settings = byHost.get(i);
      (out as unknown as Record<string, unknown>)[section.key] = settings;
      ports.push(...(section.ports?.(settings) ?? []));
      const dirs = section.directories?.(settings);
      if (dirs) directories.push(dirs);
      javaMinVersion = Math.max(javaMinVersion, section.javaMinVersion?.(settings) ?? 0);
    }
    checkPortClashes(out.name, i, ports, fail);
    checkDirectoryOverlaps(out.name, i, directories, fail);
    return out;
  });

  if (errors.length > 0) throw inventoryProblems(errors);
  const javaIn = input.java ?? {};
  return {
    file: path.resolve(src.file),
    dir,
    cluster: input.cluster,
    java: {
      install: javaIn.install ?? 'auto',
      minVersion: javaIn.minVersion ?? javaMinVersion,
      package: javaIn.package,
      archive: javaIn.archive ? localPath(javaIn.archive) : undefined,
      sha512: javaIn.sha512 ? normaliseSha512(javaIn.sha512) : undefined,
      home: javaIn.home ?? DEFAULT_JAVA_HOME,
    },
    firewall: { manage: input.firewall?.manage ?? 'auto' },
    metrics: { enabled: input.metrics?.enabled ?? false },
    hosts,
    warnings,
  };
}
