/**
 * The options of `zkk init`, declared once: they drive commander here and the README's
 * table. Every interview question has a flag; see src/wizard/interview.ts.
 */
import { Option, type Command } from 'commander';
import { kafkaDefaults } from '../roles/kafka/defaults.js';
import { zookeeperDefaults } from '../roles/zookeeper/defaults.js';
import { DEFAULT_CLUSTER_NAME, DEFAULT_SSH_PORT, DEFAULT_SSH_USER } from '../wizard/init-defaults.js';

const k = kafkaDefaults;
const major = (v: string) => v.split('.')[0];
const minor = (v: string) => v.split('.').slice(0, 2).join('.');

export interface InitOptionSpec {
  flags: string;
  description: string;
  choices?: string[];
}

export const initOptions: InitOptionSpec[] = [
  { flags: '-y, --yes', description: 'ask nothing: take the flags and defaults (also the case when stdin is not a terminal)' },
  { flags: '-f, --force', description: 'overwrite an existing file' },
  { flags: '--cluster <name>', description: `cluster name (default ${DEFAULT_CLUSTER_NAME})` },
  { flags: '--hosts <list>', description: 'the machines: addresses or name=address, comma-separated (required without a terminal)' },
  { flags: '--kafka-mode <mode>', description: `kraft (default; Kafka ${major(k.versionKraft)}.x) or zookeeper (Kafka ${minor(k.versionZookeeperMode)}, as in the seeds)`, choices: ['kraft', 'zookeeper'] },
  { flags: '--kafka-version <x.y.z>', description: `Kafka version (default ${k.versionKraft} in kraft mode, ${k.versionZookeeperMode} in zookeeper mode)` },
  { flags: '--zookeeper-version <x.y.z>', description: `ZooKeeper version (default ${zookeeperDefaults.version}; zookeeper mode)` },
  { flags: '--zookeeper-hosts <list>', description: 'hosts running ZooKeeper: names, addresses or positions (default the first 3, 5 from 7 hosts)' },
  { flags: '--kafka-hosts <list>', description: 'hosts running a Kafka broker (default all)' },
  { flags: '--mirror <url|dir>', description: 'take releases from a mirror URL or local directory in the Apache archive layout' },
  { flags: '--kafka-file <tgz>', description: 'take Kafka from this local tarball (FILE.sha512 beside it)' },
  { flags: '--zookeeper-file <tgz>', description: 'take ZooKeeper from this local tarball (FILE.sha512 beside it)' },
  { flags: '--zookeeper-install-dir <dir>', description: 'ZooKeeper install symlink (default as in the seeds)' },
  { flags: '--zookeeper-data-dir <dir>', description: 'ZooKeeper data directory (default as in the seeds)' },
  { flags: '--kafka-install-dir <dir>', description: 'Kafka install symlink (default as in the seeds)' },
  { flags: '--kafka-data-dirs <dirs>', description: 'Kafka log.dirs, comma-separated (default as in the seeds)' },
  { flags: '--ports <style>', description: `ZooKeeper quorum/election ports: seeds (those of inventories/seeds.yml, default) or standard (${zookeeperDefaults.quorumPort}/${zookeeperDefaults.electionPort})`, choices: ['seeds', 'standard'] },
  { flags: '--ssh-user <user>', description: `SSH login user (default ${DEFAULT_SSH_USER})` },
  { flags: '--ssh-port <port>', description: `SSH port (default ${DEFAULT_SSH_PORT})` },
  { flags: '--identity-file <file>', description: 'SSH private key (default: ssh-agent or ~/.ssh/id_*)' },
  { flags: '--known-hosts <file>', description: 'known_hosts file (default ~/.ssh/known_hosts)' },
  { flags: '--sudo', description: 'non-root user: run commands through sudo (default)' },
  { flags: '--no-sudo', description: 'non-root user: do not use sudo' },
  { flags: '--java-install <policy>', description: 'auto (install a JDK when missing, default) or never', choices: ['auto', 'never'] },
  { flags: '--security', description: 'secure Kafka: TLS with a cluster CA zkk generates, SASL/SCRAM logins, ACLs enforced; the admin password goes to <cluster>.admin.password (0600) beside the inventory (default)' },
  { flags: '--no-security', description: 'plaintext Kafka without authentication (a lab or a closed network)' },
  { flags: '--probe', description: 'check the hosts over SSH before writing (asked in a terminal)' },
  { flags: '--no-probe', description: 'do not check the hosts' },
];

export function addInitOptions(cmd: Command): Command {
  for (const o of initOptions) {
    const opt = new Option(o.flags, o.description);
    if (o.choices) opt.choices(o.choices);
    cmd.addOption(opt);
  }
  return cmd;
}

/** The options as a Markdown table (the README's copy is checked against it). */
export function initOptionsMarkdown(): string {
  const rows = initOptions.map((o) => `| \`${o.flags}\` | ${o.description} |`);
  return ['| option | meaning |', '| --- | --- |', ...rows].join('\n');
}
