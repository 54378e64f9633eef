/**
 * The few defaults of `zkk init` that are not role defaults. A leaf module (no imports
 * beyond the role defaults), so the CLI can show them in --help without loading more.
 */
import { kafkaDefaults } from '../roles/kafka/defaults.js';
import { zookeeperDefaults } from '../roles/zookeeper/defaults.js';

export const DEFAULT_CLUSTER_NAME = 'kafka';
export const DEFAULT_SSH_USER = 'root';
export const DEFAULT_SSH_PORT = 22;

/** The first 3 hosts (5 from 7 hosts on; 1 when there are fewer than 3). */
export function defaultZookeeperCount(hosts: number): number {
  return hosts < 3 ? 1 : hosts < 7 ? 3 : 5;
}

export function defaultKafkaVersion(mode: 'zookeeper' | 'kraft'): string {
  return mode === 'kraft' ? kafkaDefaults.versionKraft : kafkaDefaults.versionZookeeperMode;
}

export const defaultZookeeperVersion = (): string => zookeeperDefaults.version;
