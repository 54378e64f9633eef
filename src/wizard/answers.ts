/**
 * What `zkk init` asks, as data: the answers of an interview (or of flags) before they
 * become an inventory, and the defaults offered for each question. Defaults come from
 * the roles' documented defaults and from the seeds example (inventories/seeds.yml),
 * never from values repeated here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInventory } from '../inventory/load.js';
import { inventorySections } from '../roles/inventory-sections.js';
import { zookeeperDefaults } from '../roles/zookeeper/defaults.js';

export interface HostEntry {
  address: string;
  name?: string;
}

export type KafkaMode = 'zookeeper' | 'kraft';
export type PortStyle = 'seeds' | 'standard';

export type ReleaseChoice =
  | { kind: 'apache' }
  | { kind: 'mirror'; mirror: string }
  | { kind: 'files'; zookeeperFile?: string; kafkaFile: string };

export interface InitAnswers {
  cluster: string;
  hosts: HostEntry[];
  kafkaMode: KafkaMode;
  kafkaVersion: string;
  /** Indexes into hosts, in order. Empty in KRaft mode. */
  zookeeperHosts: number[];
  kafkaHosts: number[];
  release: ReleaseChoice;
  /** ZooKeeper mode only. */
  zookeeper?: { version: string; installDir: string; dataDir: string; ports: PortStyle };
  kafka: { installDir: string; dataDirs: string[] };
  ssh: { user: string; port: number; identityFile?: string; knownHosts?: string; sudo?: boolean };
  javaInstall: 'auto' | 'never';
  /** security: TLS (generated CA) + SASL/SCRAM with the admin password in <cluster>.admin.password. */
  security: boolean;
}

/** The admin password file a secured inventory names (beside it). */
export const adminPasswordFile = (cluster: string): string => `${cluster}.admin.password`;

export { DEFAULT_CLUSTER_NAME, DEFAULT_SSH_PORT, DEFAULT_SSH_USER, defaultKafkaVersion, defaultZookeeperCount, defaultZookeeperVersion } from './init-defaults.js';

export interface SeedsLayout {
  zookeeper: { installDir: string; dataDir: string; quorumPort: number; electionPort: number };
  kafka: { installDir: string; logDirs: string[] };
}

let seeds: SeedsLayout | undefined;

/** Directories and ports of the seeds layout, read from the example that ships with zkk. */
export function seedsLayout(): SeedsLayout {
  if (!seeds) {
    const file = fileURLToPath(new URL('../../inventories/seeds.yml', import.meta.url));
    const inv = parseInventory(readFileSync(file, 'utf8'), file, inventorySections);
    const zk = inv.hosts.find((h) => h.zookeeper)?.zookeeper;
    const k = inv.hosts.find((h) => h.kafka)?.kafka;
    if (!zk || !k) throw new Error(`${file} has no zookeeper or kafka host`);
    seeds = {
      zookeeper: { installDir: zk.installDir, dataDir: zk.dataDir, quorumPort: zk.quorumPort, electionPort: zk.electionPort },
      kafka: { installDir: k.installDir, logDirs: k.logDirs },
    };
  }
  return seeds;
}

/** Quorum and election ports of a port style: the seeds' 3188/3288 or upstream's 2888/3888. */
export function zookeeperPorts(style: PortStyle): { quorumPort: number; electionPort: number } {
  if (style === 'seeds') {
    const z = seedsLayout().zookeeper;
    return { quorumPort: z.quorumPort, electionPort: z.electionPort };
  }
  return { quorumPort: zookeeperDefaults.quorumPort, electionPort: zookeeperDefaults.electionPort };
}

export const hostLabel = (h: HostEntry): string => (h.name ? `${h.name} (${h.address})` : h.address);
