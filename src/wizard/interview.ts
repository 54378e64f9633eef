/**
 * The `zkk init` interview. Every question has a flag; a flag answers its question
 * (checked by the same validator, an invalid flag is an error naming it). Without an
 * asker (--yes, or stdin is not a terminal) unanswered questions take their default, and
 * a question without one is an error naming the flag. So the flags of a scripted run and
 * the answers of an interview give the same inventory.
 */
import { ExitCode, ZkkError } from '../errors/zkk-error.js';
import type { ReleaseSpec } from '../engine/releases.js';
import { kafkaDefaults } from '../roles/kafka/defaults.js';
import { kafkaRelease } from '../roles/kafka/release.js';
import { zookeeperRelease } from '../roles/zookeeper/release.js';
import type { Asker } from './ask.js';
import {
  DEFAULT_CLUSTER_NAME,
  DEFAULT_SSH_PORT,
  DEFAULT_SSH_USER,
  defaultKafkaVersion,
  defaultZookeeperCount,
  defaultZookeeperVersion,
  hostLabel,
  seedsLayout,
  zookeeperPorts,
  type HostEntry,
  type InitAnswers,
  type KafkaMode,
  type PortStyle,
  type ReleaseChoice,
} from './answers.js';
import { checkIdentityFile, checkKnownHosts, checkMirror, checkReleaseFile } from './local-paths.js';
import {
  applyHostLine,
  asValidate,
  checkClusterName,
  checkDataDir,
  checkDataDirList,
  checkEveryHostHasRole,
  checkHostList,
  checkHostSelection,
  checkInstallDirs,
  checkKafkaVersion,
  checkPort,
  checkRemoteDir,
  checkUser,
  checkVersion,
  kafkaModeFor,
  zookeeperCountWarning,
  type Check,
} from './validate.js';

/** Flags of `zkk init` (commander's camelCase names). All optional. */
export interface InitFlags {
  cluster?: string;
  hosts?: string;
  kafkaMode?: string;
  kafkaVersion?: string;
  zookeeperVersion?: string;
  zookeeperHosts?: string;
  kafkaHosts?: string;
  mirror?: string;
  zookeeperFile?: string;
  kafkaFile?: string;
  zookeeperInstallDir?: string;
  zookeeperDataDir?: string;
  kafkaInstallDir?: string;
  kafkaDataDirs?: string;
  ports?: string;
  sshUser?: string;
  sshPort?: string;
  identityFile?: string;
  knownHosts?: string;
  sudo?: boolean;
  javaInstall?: string;
  security?: boolean;
}

/** Flag names as typed on the command line, for error messages. */
export const FLAG = {
  cluster: '--cluster',
  hosts: '--hosts',
  kafkaMode: '--kafka-mode',
  kafkaVersion: '--kafka-version',
  zookeeperVersion: '--zookeeper-version',
  zookeeperHosts: '--zookeeper-hosts',
  kafkaHosts: '--kafka-hosts',
  mirror: '--mirror',
  zookeeperFile: '--zookeeper-file',
  kafkaFile: '--kafka-file',
  zookeeperInstallDir: '--zookeeper-install-dir',
  zookeeperDataDir: '--zookeeper-data-dir',
  kafkaInstallDir: '--kafka-install-dir',
  kafkaDataDirs: '--kafka-data-dirs',
  ports: '--ports',
  sshUser: '--ssh-user',
  sshPort: '--ssh-port',
  identityFile: '--identity-file',
  knownHosts: '--known-hosts',
  sudo: '--sudo/--no-sudo',
  javaInstall: '--java-install',
  security: '--security/--no-security',
} as const satisfies Record<keyof InitFlags, string>;

function usage(message: string, hint?: string): ZkkError {
  return new ZkkError('USAGE', message, { exitCode: ExitCode.usage, hint });
}

/** A flag's value through its validator, or an exit-2 error naming the flag. */
function fromFlag<T>(key: keyof InitFlags, value: string | undefined, check: (s: string) => Check<T>): T | undefined {
  if (value === undefined) return undefined;
  const r = check(value);
  if (!r.ok) throw usage(`${FLAG[key]}: ${r.reason}`);
  return r.value;
}

function oneOf<T extends string>(key: keyof InitFlags, allowed: readonly T[]) {
  return (s: string): Check<T> =>
    (allowed as readonly string[]).includes(s) ? { ok: true, value: s as T } : { ok: false, reason: `"${s}" is not one of ${allowed.join(', ')}` };
}

export interface InterviewContext {
  /** Present: ask what the flags leave open. Absent: defaults, or errors naming flags. */
  asker?: Asker;
  /** Where a note goes without an asker (warnings in a scripted run). */
  warn?: (text: string) => void;
}

export async function interview(flags: InitFlags, ctx: InterviewContext): Promise<InitAnswers> {
  const asker = ctx.asker;
  const note = (t: string) => (asker ? asker.note(t) : ctx.warn?.(t));

  /** The flag's answer, else the asked one, else the default, else an error naming the flag. */
  async function answer<T>(key: keyof InitFlags, given: T | undefined, fallback: T | undefined, ask: (def: T | undefined) => Promise<T>, what: string): Promise<T> {
    if (given !== undefined) return given;
    if (asker) return ask(fallback);
    if (fallback !== undefined) return fallback;
    throw usage(`missing answer: ${FLAG[key]} (${what})`, process.stdin.isTTY ? `pass ${FLAG[key]}, or run zkk init without --yes to be asked` : `pass ${FLAG[key]} (no questions are asked when stdin is not a terminal)`);
  }

  /** Ask a text question whose answer goes through a check (refused answers are re-asked with the reason). */
  async function askChecked<T>(message: string, def: string | undefined, check: (s: string) => Check<T>): Promise<T> {
    const text = await asker!.text({ message, default: def, validate: asValidate(check) });
    const r = check(text);
    if (!r.ok) throw new Error(`answer passed validation but not the check: ${r.reason}`);
    return r.value;
  }

  // --- the flags that do not depend on other answers are checked first, before any question
  const modeFlag = fromFlag('kafkaMode', flags.kafkaMode, oneOf('kafkaMode', ['zookeeper', 'kraft'] as const));
  const clusterFlag = fromFlag('cluster', flags.cluster, checkClusterName);
  const hostsFlag = fromFlag('hosts', flags.hosts, checkHostList);
  const portsFlag = fromFlag('ports', flags.ports, oneOf('ports', ['seeds', 'standard'] as const));
  const javaFlag = fromFlag('javaInstall', flags.javaInstall, oneOf('javaInstall', ['auto', 'never'] as const));
  const userFlag = fromFlag('sshUser', flags.sshUser, checkUser);
  const sshPortFlag = fromFlag('sshPort', flags.sshPort, checkPort);
  const identityFlag = flags.identityFile === undefined ? undefined : { v: fromFlag('identityFile', flags.identityFile, checkIdentityFile) };
  const knownHostsFlag = flags.knownHosts === undefined ? undefined : { v: fromFlag('knownHosts', flags.knownHosts, checkKnownHosts) };
  if (flags.mirror !== undefined && (flags.zookeeperFile !== undefined || flags.kafkaFile !== undefined))
    throw usage(`${FLAG.mirror} and ${FLAG.kafkaFile}/${FLAG.zookeeperFile} exclude each other`, 'releases come from a mirror or from local files, not both');

  // --- cluster and hosts
  const cluster = await answer('cluster', clusterFlag, DEFAULT_CLUSTER_NAME, (def) => askChecked('Cluster name', def, checkClusterName), 'the cluster name');
  const hosts = await answer<HostEntry[]>('hosts', hostsFlag, undefined, () =>
    asker!.hostList({
      message: 'Hosts (IP addresses or DNS names)',
      help: 'name=address to name one (e.g. kafka1=10.0.0.11); several per line with commas or spaces, or paste one per line',
      applyLine: applyHostLine,
    }), 'the machines, e.g. --hosts 10.0.0.11,10.0.0.12,10.0.0.13 or node1=10.0.0.11,…');

  // --- Kafka mode and versions
  const kafkaMode = await answer<KafkaMode>('kafkaMode', modeFlag, kafkaModeFor(flags.kafkaVersion), (def) =>
    asker!.select<KafkaMode>({
      message: 'Kafka mode',
      choices: [
        { name: `KRaft — Kafka ${kafkaDefaults.versionKraft.split('.')[0]}.x, no ZooKeeper`, value: 'kraft', description: 'Kafka keeps its own metadata (the first 3 Kafka hosts are controllers)' },
        { name: 'ZooKeeper — Kafka 3.9 on a ZooKeeper ensemble, as in the seeds', value: 'zookeeper', description: 'the classic layout: ZooKeeper on 3 (or 5) hosts, brokers on all' },
      ],
      default: def,
    }), 'zookeeper or kraft');
  if (kafkaMode === 'kraft') {
    const zkOnly = (['zookeeperVersion', 'zookeeperHosts', 'zookeeperInstallDir', 'zookeeperDataDir', 'zookeeperFile', 'ports'] as const).filter((k) => flags[k] !== undefined);
    if (zkOnly.length) throw usage(`${zkOnly.map((k) => FLAG[k]).join(', ')}: only with ${FLAG.kafkaMode} zookeeper (KRaft runs no ZooKeeper)`);
  }
  const kafkaVersion = await answer('kafkaVersion', fromFlag('kafkaVersion', flags.kafkaVersion, (s) => checkKafkaVersion(s, kafkaMode)), defaultKafkaVersion(kafkaMode), (def) =>
    askChecked('Kafka version', def, (s) => checkKafkaVersion(s, kafkaMode)), 'the Kafka version');
  const zookeeperVersion = kafkaMode === 'zookeeper'
    ? await answer('zookeeperVersion', fromFlag('zookeeperVersion', flags.zookeeperVersion, checkVersion), defaultZookeeperVersion(), (def) => askChecked('ZooKeeper version', def, checkVersion), 'the ZooKeeper version')
    : undefined;

  // --- roles
  const names = hosts.map((h) => h.name ?? h.address);
  let zookeeperHosts: number[] = [];
  if (kafkaMode === 'zookeeper') {
    const def = hosts.map((_, i) => i).slice(0, defaultZookeeperCount(hosts.length));
    zookeeperHosts = await answer('zookeeperHosts', fromFlag('zookeeperHosts', flags.zookeeperHosts, (s) => checkHostSelection(s, hosts)), def, async (d) => {
      for (;;) {
        const picked = await asker!.checkbox<number>({
          message: 'Which hosts run ZooKeeper? (an odd number: 1, 3 or 5)',
          choices: hosts.map((h, i) => ({ name: hostLabel(h), value: i, checked: d!.includes(i) })),
          validate: (v) => (v.length > 0 ? true : 'select at least one host (space toggles)'),
        });
        const warning = zookeeperCountWarning(picked.length);
        if (!warning) return picked;
        note(`warning: ${warning}`);
        if (await asker!.confirm({ message: `Keep ${picked.length} ZooKeeper hosts anyway?`, default: false })) return picked;
      }
    }, 'the ZooKeeper hosts');
    // Without an asker the inventory's own warning (printed when it is checked) says it.
  }

  let kafkaHosts: number[];
  const all = hosts.map((_, i) => i);
  if (kafkaMode === 'kraft') {
    const given = fromFlag('kafkaHosts', flags.kafkaHosts, (s) => checkHostSelection(s, hosts));
    if (given && given.length !== hosts.length)
      throw usage(`${FLAG.kafkaHosts}: in KRaft mode every host runs Kafka (${names.filter((_, i) => !given.includes(i)).join(', ')} would run nothing)`, `leave them out of ${FLAG.hosts}`);
    kafkaHosts = all;
  } else {
    const rolesCheck = (s: string): Check<number[]> => {
      const sel = checkHostSelection(s, hosts);
      if (!sel.ok) return sel;
      const r = checkEveryHostHasRole(hosts, zookeeperHosts, sel.value);
      return r.ok ? sel : r;
    };
    const def = all;
    kafkaHosts = await answer('kafkaHosts', fromFlag('kafkaHosts', flags.kafkaHosts, rolesCheck), def, (d) =>
      asker!.checkbox<number>({
        message: 'Which hosts run a Kafka broker?',
        choices: hosts.map((h, i) => ({ name: hostLabel(h), value: i, checked: d!.includes(i) })),
        validate: (v) => {
          if (v.length === 0) return 'select at least one host (space toggles)';
          const r = checkEveryHostHasRole(hosts, zookeeperHosts, v);
          return r.ok ? true : r.reason;
        },
      }), 'the Kafka hosts');
  }

  // --- where the releases come from
  const releases: ReleaseSpec[] = [
    ...(zookeeperVersion ? [zookeeperRelease(zookeeperVersion, {})] : []),
    kafkaRelease(kafkaVersion, kafkaDefaults.scalaVersion, {}),
  ];
  const zkFileCheck = (s: string) => checkReleaseFile(s, 'zookeeper', zookeeperVersion ?? '');
  const kafkaFileCheck = (s: string) => checkReleaseFile(s, 'kafka', kafkaVersion);
  let release: ReleaseChoice;
  if (flags.mirror !== undefined) {
    release = { kind: 'mirror', mirror: fromFlag('mirror', flags.mirror, (s) => checkMirror(s, releases))! };
  } else if (flags.kafkaFile !== undefined || flags.zookeeperFile !== undefined) {
    const kafkaFile = await answer('kafkaFile', fromFlag('kafkaFile', flags.kafkaFile, kafkaFileCheck), undefined, () => askChecked(`Kafka ${kafkaVersion} tarball`, undefined, kafkaFileCheck), 'the Kafka release tarball');
    const zookeeperFile = zookeeperVersion
      ? await answer('zookeeperFile', fromFlag('zookeeperFile', flags.zookeeperFile, zkFileCheck), undefined, () => askChecked(`ZooKeeper ${zookeeperVersion} tarball`, undefined, zkFileCheck), 'the ZooKeeper release tarball')
      : undefined;
    release = { kind: 'files', kafkaFile, zookeeperFile };
  } else if (asker) {
    const kind = await asker.select<ReleaseChoice['kind']>({
      message: 'Where do the release tarballs come from?',
      choices: [
        { name: 'the Apache archive (archive.apache.org, needs internet on this machine)', value: 'apache' },
        { name: 'a mirror: a URL or a local directory laid out like the Apache archive', value: 'mirror' },
        { name: 'local tarballs on this machine', value: 'files' },
      ],
      default: 'apache',
    });
    if (kind === 'mirror') release = { kind, mirror: await askChecked('Mirror URL or directory', undefined, (s) => checkMirror(s, releases)) };
    else if (kind === 'files') {
      const kafkaFile = await askChecked(`Kafka ${kafkaVersion} tarball (its .sha512 beside it)`, undefined, kafkaFileCheck);
      const zookeeperFile = zookeeperVersion ? await askChecked(`ZooKeeper ${zookeeperVersion} tarball (its .sha512 beside it)`, undefined, zkFileCheck) : undefined;
      release = { kind, kafkaFile, zookeeperFile };
    } else release = { kind };
  } else release = { kind: 'apache' };

  // --- directories on the hosts
  const seeds = seedsLayout();
  let zookeeper: InitAnswers['zookeeper'];
  const zkInstallFlag = fromFlag('zookeeperInstallDir', flags.zookeeperInstallDir, checkRemoteDir);
  const kafkaInstallCheck = (zkInstall: string | undefined) => (s: string): Check<string> => {
    const d = checkRemoteDir(s);
    return d.ok ? checkInstallDirs(zkInstall, d.value) : d;
  };
  let zkInstall: string | undefined;
  let zkData: string | undefined;
  if (zookeeperVersion) {
    zkInstall = await answer('zookeeperInstallDir', zkInstallFlag, seeds.zookeeper.installDir, (def) => askChecked('ZooKeeper install directory', def, checkRemoteDir), 'the ZooKeeper install directory');
  }
  const kafkaInstall = await answer('kafkaInstallDir', fromFlag('kafkaInstallDir', flags.kafkaInstallDir, kafkaInstallCheck(zkInstall)), seeds.kafka.installDir, (def) =>
    askChecked('Kafka install directory', def, kafkaInstallCheck(zkInstall)), 'the Kafka install directory');
  const installDirs = [zkInstall, kafkaInstall].filter((d): d is string => !!d);
  if (zookeeperVersion) {
    const zkDataCheck = (s: string) => checkDataDir(s, { installDirs, otherDataDirs: [] });
    zkData = await answer('zookeeperDataDir', fromFlag('zookeeperDataDir', flags.zookeeperDataDir, zkDataCheck), seeds.zookeeper.dataDir, (def) =>
      askChecked('ZooKeeper data directory (snapshots, transaction logs, myid)', def, zkDataCheck), 'the ZooKeeper data directory');
  }
  const kafkaDataCheck = (s: string) => checkDataDirList(s, { installDirs, otherDataDirs: zkData ? [zkData] : [] });
  const kafkaData = await answer('kafkaDataDirs', fromFlag('kafkaDataDirs', flags.kafkaDataDirs, kafkaDataCheck), seeds.kafka.logDirs, (def) =>
    askChecked('Kafka data directories (log.dirs; several with commas)', def?.join(','), kafkaDataCheck), 'the Kafka data directories');

  // --- ZooKeeper ports
  if (zookeeperVersion) {
    const seedsPorts = zookeeperPorts('seeds');
    const standard = zookeeperPorts('standard');
    const ports = await answer<PortStyle>('ports', portsFlag, 'seeds', (def) =>
      asker!.select<PortStyle>({
        message: 'ZooKeeper quorum and election ports',
        choices: [
          { name: `${seedsPorts.quorumPort}/${seedsPorts.electionPort} as in the seeds`, value: 'seeds' },
          { name: `${standard.quorumPort}/${standard.electionPort}, the ZooKeeper standard`, value: 'standard' },
        ],
        default: def,
      }), 'seeds or standard');
    zookeeper = { version: zookeeperVersion, installDir: zkInstall!, dataDir: zkData!, ports };
  }

  // --- SSH
  const user = await answer('sshUser', userFlag, DEFAULT_SSH_USER, (def) => askChecked('SSH user', def, checkUser), 'the SSH login user');
  const port = await answer('sshPort', sshPortFlag, DEFAULT_SSH_PORT, (def) => askChecked('SSH port', String(def), checkPort), 'the SSH port');
  const identityFile = identityFlag ? identityFlag.v : asker ? await askChecked('SSH private key (empty: ssh-agent or ~/.ssh/id_*)', undefined, checkIdentityFile) : undefined;
  const knownHosts = knownHostsFlag ? knownHostsFlag.v : asker ? await askChecked('known_hosts file (empty: ~/.ssh/known_hosts)', undefined, checkKnownHosts) : undefined;
  let sudo: boolean | undefined;
  if (user !== 'root') {
    sudo = await answer('sudo', flags.sudo, true, (def) =>
      asker!.confirm({ message: `Run commands through sudo as ${user}? (needs password-less sudo, or deploy --ask-sudo-pass)`, default: def }), 'whether to use sudo');
  } else if (flags.sudo !== undefined) {
    note('note: --sudo/--no-sudo is ignored for root');
  }

  // --- JDK
  const javaInstall = await answer<'auto' | 'never'>('javaInstall', javaFlag, 'auto', (def) =>
    asker!.select<'auto' | 'never'>({
      message: 'JDK on the hosts',
      choices: [
        { name: 'install one when missing (apt/dnf/yum; auto)', value: 'auto' },
        { name: 'never install: fail on a host without a suitable Java (never)', value: 'never' },
      ],
      default: def,
    }), 'auto or never');

  // --- security: on unless asked otherwise (plaintext only for a lab or a closed network)
  const security = await answer('security', flags.security, true, (def) =>
    asker!.confirm({ message: 'Secure Kafka with TLS and SASL/SCRAM logins, ACLs enforced? (recommended; zkk generates the CA and the certificates, clients need the CA and a user)', default: def }), 'whether to secure Kafka');

  return {
    cluster,
    hosts,
    kafkaMode,
    kafkaVersion,
    zookeeperHosts,
    kafkaHosts,
    release,
    zookeeper,
    kafka: { installDir: kafkaInstall, dataDirs: kafkaData },
    ssh: { user, port, identityFile, knownHosts, sudo },
    javaInstall,
    security,
  };
}
