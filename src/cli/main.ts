/**
 * The zkk program. Commands are thin and lazy-loaded; this is the only place that
 * prints final errors and calls process.exit.
 */
import { Command, Option } from 'commander';
import { createRequire } from 'node:module';
import { ExitCode, isZkkError } from '../errors/zkk-error.js';
import { addInitOptions } from './init-options.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

export interface GlobalRunFlags {
  json?: boolean;
  verbose?: boolean;
  commands?: boolean;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  connectTimeout?: number;
  askSudoPass?: boolean;
  limit?: string;
  cacheDir?: string;
}

function runFlags(cmd: Command): Command {
  return cmd
    .option('--json', 'print a JSON report instead of progress and tables')
    .option('-v, --verbose', 'also print steps that changed nothing')
    .addOption(new Option('--host-key-policy <policy>', 'unknown SSH host keys: strict | accept-new | off (default: inventory, else accept-new)').choices(['strict', 'accept-new', 'off']))
    .option('--connect-timeout <seconds>', 'SSH connect timeout (default: inventory, else 10)', (v) => positive(v, '--connect-timeout'))
    .option('--ask-sudo-pass', 'prompt once for the sudo password of the login user')
    .option('--limit <hosts>', 'only these hosts (comma-separated names)')
    .option('--cache-dir <dir>', 'where downloaded releases are cached (default ~/.cache/zkk)');
}

/** What rebalance and decommission take: a plan only, and the replication throttle. */
function runFlagsLite(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'print the plan and the steps in order; change nothing')
    .option('--throttle <MB/s>', 'limit the replication traffic of the moves (leader and follower) while they run');
}

function positive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new (require('commander').InvalidArgumentError)(`${flag} must be a positive number`);
  return n;
}

function watchSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.5)
    throw new (require('commander').InvalidArgumentError)(`--watch takes a number of seconds ≥ 0.5, got "${v}" (put the inventory first: zkk status inventory.yml --watch)`);
  return n;
}

export function buildProgram(): Command {
  const program = new Command('zkk')
    .description('Deploy and check Apache ZooKeeper ensembles and Kafka clusters over SSH — idempotent, verified, rolling.')
    .version(pkg.version)
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();

  runFlags(program.command('deploy').argument('<inventory>', 'inventory file (YAML)'))
    .description('make every host match the inventory, restart only what changed (rolling), then verify')
    .option('--no-verify', 'skip the final health checks')
    .option('--skip-preflight', 'do not stop a host on a failed preflight check (zkk doctor\'s fail-level checks)')
    .option('--bundle <dir>', 'take every release from this `zkk bundle` directory, checked against its manifest (no network)')
    .action(async (file: string, flags) => (await import('./deploy.js')).deployCommand(file, flags, 'deploy'));

  runFlags(program.command('plan').argument('<inventory>', 'inventory file (YAML)'))
    .description('show what deploy would change, with diffs of rendered files; changes nothing')
    .option('--detailed-exitcode', 'exit 4 when changes are pending (0 when none)')
    .option('--skip-preflight', 'do not stop a host on a failed preflight check, as deploy --skip-preflight')
    .option('--bundle <dir>', 'take every release from this `zkk bundle` directory, as deploy --bundle')
    .option('--commands', 'also print, per host and step, the exact commands and uploads deploy would run (secrets masked; -v implies it; --json always has them)')
    .action(async (file: string, flags) => (await import('./deploy.js')).deployCommand(file, flags, 'plan'));

  const day2 = (name: 'restart' | 'stop' | 'start', description: string) =>
    runFlags(program.command(name).argument('<inventory>', 'inventory file (YAML)'))
      .description(description)
      .addOption(new Option('--role <role>', 'only this role').choices(['zookeeper', 'kafka']))
      .option('--force', 'go on where a health gate refuses (each override is warned)');
  day2('restart', 'rolling restart, one node at a time (ZooKeeper leader and Kafka active controller last), through deploy\'s health gates; then verify')
    .option('--no-verify', 'skip the final health checks')
    .action(async (file: string, flags) => (await import('./day2.js')).day2Command('restart', file, flags));
  day2('stop', 'stop the services: Kafka brokers before ZooKeeper, the active controller and the ZooKeeper leader last (a whole-cluster stop asks, or --yes)')
    .option('-y, --yes', 'confirm stopping every host of a role')
    .action(async (file: string, flags) => (await import('./day2.js')).day2Command('stop', file, flags));
  day2('start', 'start stopped services: ZooKeeper before Kafka, then wait for the quorum and the brokers; then verify')
    .option('--no-verify', 'skip the final health checks')
    .action(async (file: string, flags) => (await import('./day2.js')).day2Command('start', file, flags));

  runFlags(program.command('uninstall').argument('<inventory>', 'inventory file (YAML)'))
    .description('stop and remove the services, their units/init scripts, install dirs and zkk\'s firewall rules; data and a config backup are kept (unless --purge)')
    .addOption(new Option('--role <role>', 'only this role').choices(['zookeeper', 'kafka']))
    .option('-y, --yes', 'confirm (data and a config backup are kept)')
    .option('--purge', 'also delete data, logs, config and the service users (asks for the cluster name)')
    .option('--yes-really-purge <cluster>', 'purge without asking: the inventory\'s cluster name')
    .option('--plan', 'only show what it would do')
    .option('--commands', 'with --plan: the exact commands')
    .action(async (file: string, flags) => (await import('./uninstall.js')).uninstallCommand(file, flags));

  program
    .command('status')
    .argument('<inventory>', 'inventory file (YAML)')
    .description('health of every host and of the cluster: processes, ports, ZooKeeper modes, Kafka controller and partitions, KRaft quorum; exit 0 healthy, 1 degraded, 5 down, 3 nothing reachable')
    .option('--json', 'print the report as JSON (its JSON schema: zkk schema --status)')
    .option('-w, --watch [seconds]', `check again every N seconds (default 2), redrawing in place; put it after the inventory`, (v) => watchSeconds(v))
    .option('--connect-timeout <seconds>', 'SSH connect timeout (default: the inventory\'s, at most 5)', (v) => positive(v, '--connect-timeout'))
    .addOption(new Option('--host-key-policy <policy>', 'unknown SSH host keys: strict | accept-new | off (default: inventory, else accept-new)').choices(['strict', 'accept-new', 'off']))
    .option('--ask-sudo-pass', 'prompt once for the sudo password of the login user')
    .action(async (file: string, flags) => (await import('./status.js')).statusCommand(file, flags));

  program
    .command('doctor')
    .argument('<inventory>', 'inventory file (YAML)')
    .description('preflight checks of every host, read-only: ssh and sudo, OS, Java, disk, ports, clock, names, ulimit, swap, huge pages, firewall and host-to-host reachability; exit 0 nothing failed, 1 a check failed, 3 nothing reachable')
    .option('--json', 'print the checks as JSON')
    .option('--strict', 'exit 1 on a warning too')
    .option('--connect-timeout <seconds>', 'SSH connect timeout (default: the inventory\'s)', (v) => positive(v, '--connect-timeout'))
    .addOption(new Option('--host-key-policy <policy>', 'unknown SSH host keys: strict | accept-new | off (default: inventory, else accept-new)').choices(['strict', 'accept-new', 'off']))
    .option('--ask-sudo-pass', 'prompt once for the sudo password of the login user')
    .action(async (file: string, flags) => (await import('./doctor.js')).doctorCommand(file, flags));

  const topic = program.command('topic').description('create, list, describe, alter and delete topics on the inventory\'s cluster');
  const bootstrap = (c: Command) => c.option('--bootstrap-server <host:port,...>', 'brokers to ask (default: the inventory\'s brokers)');
  bootstrap(topic.command('create').argument('<inventory>').argument('<name>'))
    .description('create a topic')
    .option('--partitions <n>', 'partition count (default: the brokers\' num.partitions)')
    .option('--replication-factor <n>', 'replicas per partition (default: the brokers\' default.replication.factor)')
    .option('--config <key=value...>', 'topic configs, e.g. retention.ms=86400000')
    .action(async (file: string, name: string, flags) => (await import('./topic.js')).topicCreate(file, name, flags));
  bootstrap(topic.command('list').argument('<inventory>'))
    .description('list topics (internal ones hidden)')
    .option('--json', 'JSON array')
    .action(async (file: string, flags) => (await import('./topic.js')).topicList(file, flags));
  bootstrap(topic.command('describe').argument('<inventory>').argument('[name]'))
    .description('partitions with leader, replicas and ISR')
    .option('--json', 'JSON')
    .action(async (file: string, name: string | undefined, flags) => (await import('./topic.js')).topicDescribe(file, name, flags));
  bootstrap(topic.command('alter').argument('<inventory>').argument('<name>'))
    .description('grow the partition count')
    .option('--partitions <n>', 'new partition count')
    .action(async (file: string, name: string, flags) => (await import('./topic.js')).topicAlter(file, name, flags));
  bootstrap(topic.command('delete').argument('<inventory>').argument('<name>'))
    .description('delete a topic')
    .action(async (file: string, name: string, flags) => (await import('./topic.js')).topicDelete(file, name, flags));

  const upgrade = program.command('upgrade').description('the explicit steps of an upgrade (the binaries roll with a version: change and zkk deploy)');
  runFlags(upgrade.command('finalize').argument('<inventory>', 'inventory file (YAML)'))
    .description('after a rolling upgrade: raise the feature versions (ZooKeeper mode: inter.broker.protocol.version, rolling; KRaft: metadata.version and the other features, one by one, never kraft.version); shows them and asks first; cannot be undone')
    .option('-y, --yes', 'do not ask (for scripts)')
    .action(async (file: string, flags) => (await import('./upgrade.js')).upgradeFinalizeCommand(file, flags));
  runFlags(program.command('migrate').argument('<inventory>', 'inventory file (YAML) describing the target: kafka.mode: kraft with kafka-controller hosts'))
    .description('move a ZooKeeper-mode cluster (Kafka 3.9) to KRaft, phase by phase, each confirmed; stops before the irreversible finalize')
    .option('--finalize', 'take the controllers out of migration mode (irreversible; after every broker runs KRaft)')
    .option('--rollback', 'back to ZooKeeper mode before the finalize: KRaft brokers back, the controllers removed (data set aside), ZooKeeper /controller and /migration cleared, brokers rolled without the migration')
    .option('-y, --yes', 'do not ask (for scripts)')
    .action(async (file: string, flags) => (await import('./migrate.js')).migrateCommand(file, flags));
  bootstrap(runFlagsLite(program.command('rebalance').argument('<inventory>', 'inventory file (YAML)')))
    .description('spread partition replicas and preferred leaders evenly over the brokers (reassignment API), throttled, resumable')
    .option('--topic <name...>', 'only these topics (default: all, internal ones included)')
    .action(async (file: string, flags) => (await import('./rebalance.js')).rebalanceCommand(file, flags));
  bootstrap(runFlagsLite(program.command('decommission').argument('<inventory>', 'inventory file (YAML)').argument('<host>', 'the broker or dedicated KRaft controller host to retire')))
    .description('move every replica off a broker, stop it, unregister it (KRaft) — or remove a KRaft controller from a dynamic quorum and stop it; then delete its host line')
    .action(async (file: string, host: string, flags) => (await import('./decommission.js')).decommissionCommand(file, host, flags));

  program
    .command('bundle')
    .argument('<inventory>', 'inventory file (YAML)')
    .argument('<dir>', 'where to put the bundle (created; files already there with the right SHA-512 are kept)')
    .description('gather everything a deploy of the inventory needs from outside (releases, the JDK archive, the metrics agent), SHA-512 verified, with a manifest: then `zkk deploy --bundle DIR` needs no network')
    .option('--cache-dir <dir>', 'where downloaded releases are cached (default ~/.cache/zkk)')
    .action(async (file: string, dir: string, flags: { cacheDir?: string }) => (await import('./bundle.js')).bundleCommand(file, dir, flags));

  const certs = program
    .command('certs')
    .description("the cluster's TLS certificates (security:): per host, the file's expiry and what each TLS port serves; exit 1 when one has under 30 days or is not what the host serves")
    .argument('<inventory>', 'inventory file (YAML)')
    .option('--json', 'print a JSON report');
  certs.action(async (file: string, flags: { json?: boolean }) => (await import('./certs.js')).certsCommand(file, flags));
  runFlags(certs.command('rotate').argument('<inventory>', 'inventory file (YAML)'))
    .description('tls.mode generate: new host certificates from the same CA, rolled in by a deploy one node at a time (the old files kept)')
    .option('--no-verify', 'skip the health checks after the deploy')
    .action(async (file: string, flags) => (await import('./certs.js')).certsRotateCommand(file, flags));
  const metrics = program.command('metrics').description('the Prometheus endpoints of metrics.enabled');
  metrics
    .command('targets')
    .argument('<inventory>', 'inventory file (YAML)')
    .description('print a Prometheus file_sd target file (JSON) of every host\'s ZooKeeper and Kafka metrics endpoint; connects nowhere')
    .action(async (file: string) => (await import('./metrics.js')).metricsTargetsCommand(file));

  program
    .command('validate')
    .argument('<inventory>', 'inventory file (YAML)')
    .description('check an inventory without connecting anywhere')
    .action(async (file: string) => (await import('./validate.js')).validateCommand(file));

  addInitOptions(program.command('init').argument('[file]', 'where to write the inventory', 'inventory.yml'))
    .description('write a commented inventory by answering questions (or, with --yes, from flags)')
    .action(async (file: string, flags) => (await import('./init.js')).initCommand(file, flags));

  program
    .command('schema')
    .description('print the inventory JSON schema (for editors: yaml-language-server)')
    .option('--markdown', 'print the inventory reference table instead')
    .option('--status', 'print the JSON schema of `zkk status --json` instead')
    .action(async (flags: { markdown?: boolean; status?: boolean }) => (await import('./validate.js')).schemaCommand(flags));

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return handleError(e);
  }
}

function handleError(e: unknown): number {
  const ce = e as { code?: string; exitCode?: number };
  if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
    if (ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' || ce.code === 'commander.help') return 0;
    return ExitCode.usage; // commander already printed the message and help
  }
  if (isZkkError(e)) {
    process.stderr.write(`zkk: ${e.format()}\n`);
    return e.exitCode;
  }
  process.stderr.write(`zkk: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}

process.on('SIGINT', () => {
  process.stderr.write('\nzkk: interrupted\n');
  process.exit(ExitCode.interrupted);
});

main().then((code) => process.exit(code));
