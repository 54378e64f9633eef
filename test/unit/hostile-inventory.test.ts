/**
 * The hostile-inventory corpus (test/fixtures/hostile): every case is either refused by
 * the loader zkk validate uses (exit 2, file:line:column of the offending value, only
 * named errors), or rendered into files proven harmless by parsing them back the way
 * their consumers do: shell scripts pass `sh -n` and, run in a sandbox, assign exactly
 * the intended values and never create the marker file; systemd units read back into
 * the same settings with exactly the intended words (and pass systemd-analyze verify);
 * properties files give exactly the intended key/value set (checked again by
 * java.util.Properties); logback.xml's property is the intended value (the JVM's parser).
 * A last group feeds the renderer values the schema refuses (defense in depth).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory, parseInventory } from '../../src/inventory/load.js';
import type { Inventory, ResolvedHost } from '../../src/inventory/resolve.js';
import { InventoryError, InventoryErrors, ZkkError } from '../../src/errors/zkk-error.js';
import { renderZookeeperFiles, zookeeperConnect, ensembleServers, type ZookeeperFiles } from '../../src/roles/zookeeper/config.js';
import { renderKafkaFiles, controllerHosts, type KafkaFiles, type KafkaHost } from '../../src/roles/kafka/config.js';
import { zookeeperPidFile } from '../../src/roles/zookeeper/process.js';
import { kafkaPidFile } from '../../src/roles/kafka/process.js';
import { servicesJavaHome } from '../../src/roles/java/java-role.js';
import { jvmOptionsValue } from '../../src/render/jvm-options.js';
import { legalCases, refusedCases } from '../fixtures/hostile/corpus.js';
import { inventorySections } from '../../src/roles/all-roles.js';
import { POSIX_SHELLS, runAndDump, runScript, syntaxProblems } from './render/readers/shell-runner.js';
import { readProperties } from './render/readers/properties-reader.js';
import { javaAvailable, parseWithJava } from './render/readers/java-reader.js';
import { commandLineWords, environmentAssignments, literalSetting, readUnitFile } from './render/readers/systemd-unit-reader.js';

const sandbox = mkdtempSync(path.join(tmpdir(), 'zkk-hostile-'));
const MARK = path.join(sandbox, 'MARK');
const filesDir = path.join(sandbox, 'files');
mkdirSync(filesDir);
const withMarker = (s: string) => s.split('@MARK@').join(MARK);
const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();

function materialise(source: string | Buffer, name: string): { file: string; line?: number; column?: number } {
  const file = path.join(sandbox, `${slug(name)}.yml`);
  if (Buffer.isBuffer(source)) {
    writeFileSync(file, source);
    return { file };
  }
  let text = withMarker(source);
  const at = text.indexOf('@@');
  let line: number | undefined;
  let column: number | undefined;
  if (at >= 0) {
    const before = text.slice(0, at).split('\n');
    line = before.length;
    column = before[before.length - 1]!.length + 1;
    text = text.slice(0, at) + text.slice(at + 2);
  }
  writeFileSync(file, text);
  return { file, line, column };
}

afterAll(() => expect(existsSync(MARK), 'the marker file was created: a value ran as code').toBe(false));

// ───────────────────────────── refused ─────────────────────────────
describe('refused by zkk validate: exit 2 with file:line:column, only named errors', () => {
  it('the corpus is large enough', () => expect(refusedCases.length + legalCases.length).toBeGreaterThanOrEqual(40));

  it.each(refusedCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { file, line, column } = materialise(c.source, c.name);
    let caught: unknown;
    try {
      await loadInventory(file, inventorySections);
    } catch (e) {
      caught = e;
    }
    expect(caught, 'the inventory was accepted').toBeDefined();
    expect(caught, `not a named error: ${String((caught as Error)?.stack ?? caught)}`).toBeInstanceOf(ZkkError);
    const err = caught as ZkkError;
    expect(err.exitCode).toBe(2);
    const errors = err instanceof InventoryErrors ? err.errors : [err as InventoryError];
    for (const e of errors) {
      expect(e).toBeInstanceOf(InventoryError);
      expect(e.file).toBe(file);
      if (c.wholeFile) {
        expect(e.format()).toContain(file);
        if (c.message) expect(e.message).toMatch(c.message);
        continue;
      }
      expect(e.line, e.message).toBeGreaterThan(0);
      expect(e.column, e.message).toBeGreaterThan(0);
      expect(e.format()).toContain(`${file}:${e.line}:${e.column}`);
      expect(e.message.length).toBeLessThan(2000); // a huge value is never echoed whole
    }
    if (line !== undefined) {
      const listing = errors.map((e) => `${e.line}:${e.column} ${e.field ?? ''} ${e.message.slice(0, 200)}`).join('\n');
      const match = errors.find((e) => e.line === line && e.column === column);
      expect(match, `no error at ${line}:${column}; got\n${listing}`).toBeDefined();
      if (typeof c.field === 'string') expect(match!.field).toBe(c.field);
      else if (c.field) expect(match!.field ?? '').toMatch(c.field);
      if (c.message) expect(match!.message).toMatch(c.message);
    }
  });
});

// ───────────────────────────── rendering and reading back ─────────────────────────────
interface HostFiles {
  host: ResolvedHost;
  zk?: ZookeeperFiles;
  kafka?: KafkaFiles;
}

function renderAll(inv: Inventory): HostFiles[] {
  return inv.hosts.map((host) => ({
    host,
    zk: host.zookeeper ? renderZookeeperFiles(inv, host as ResolvedHost & { zookeeper: NonNullable<ResolvedHost['zookeeper']> }) : undefined,
    kafka: host.kafka ? renderKafkaFiles(inv, host as KafkaHost) : undefined,
  }));
}

/** Properties and XML files read back by the JVM at the end, with what they must contain. */
const jvmChecks: { file: string; label: string; expected: Record<string, string>; exact: boolean }[] = [];
/** Units verified by systemd-analyze at the end. */
const unitChecks: { file: string; label: string }[] = [];
let fileCounter = 0;
const keep = (label: string, ext: string, text: string) => {
  const file = path.join(filesDir, `${++fileCounter}-${slug(label).slice(0, 60)}.${ext}`);
  writeFileSync(file, text);
  return file;
};

function checkShell(label: string, script: string, expected: Record<string, string>, kind: 'init' | 'env', problems: string[]): void {
  for (const p of syntaxProblems(script)) problems.push(`${label}: sh -n: ${p}`);
  // The assignment section: everything before the first function definition.
  const assignments = kind === 'init' ? script.split(/\n(?=[a-z_]+\(\) \{)/)[0]! : script;
  for (const shell of POSIX_SHELLS) {
    const r = runAndDump(shell, assignments, Object.keys(expected), sandbox);
    if (r.status !== 0 || r.stderr) problems.push(`${label}: ${shell} exit ${r.status}: ${r.stderr.slice(0, 300)}`);
    for (const [name, want] of Object.entries(expected))
      if (r.values[name] !== want) problems.push(`${label}: ${shell}: ${name}=${JSON.stringify(r.values[name])}, want ${JSON.stringify(want)}`);
  }
  if (kind === 'init') {
    const file = keep(label, 'sh', script);
    const r = runScript(POSIX_SHELLS[0]!, file, ['status'], sandbox);
    if (r.status !== 3) problems.push(`${label}: "status" exited ${r.status} (want 3, not running): ${r.stderr.slice(0, 300)}`);
  }
}

function checkProperties(label: string, text: string, baseline: string, extra: Record<string, unknown>, expected: Record<string, string>, problems: string[]): void {
  const settingLines = text.split('\n').filter((l) => !l.startsWith('#'));
  if (!settingLines.every((l) => /^[\x20-\x7e]*$/.test(l))) problems.push(`${label}: a setting is not printable ASCII (Properties.load reads ISO-8859-1)`);
  const got = readProperties(text);
  const wantKeys = [...new Set([...readProperties(baseline).keys(), ...Object.keys(extra)])].sort();
  const gotKeys = [...got.keys()].sort();
  if (JSON.stringify(gotKeys) !== JSON.stringify(wantKeys)) problems.push(`${label}: keys ${JSON.stringify(gotKeys)}, want ${JSON.stringify(wantKeys)}`);
  const all = { ...expected, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) };
  for (const [k, v] of Object.entries(all)) if (got.get(k) !== v) problems.push(`${label}: ${k}=${JSON.stringify(got.get(k))}, want ${JSON.stringify(v)}`);
  jvmChecks.push({ file: keep(label, 'properties', text), label, expected: Object.fromEntries(got), exact: true });
}

interface UnitExpectation {
  literal: Record<string, string>;
  environment: Record<string, string>;
  commands: Record<string, string[]>;
}

function checkUnit(label: string, text: string, baseline: string, want: UnitExpectation, problems: string[]): void {
  let settings;
  try {
    settings = readUnitFile(text);
  } catch (e) {
    problems.push(`${label}: ${(e as Error).message}`);
    return;
  }
  const shape = (s: { section: string; key: string }[]) => s.map((x) => `[${x.section}]${x.key}`).join(' ');
  if (shape(settings) !== shape(readUnitFile(baseline))) problems.push(`${label}: settings ${shape(settings)}\n  want ${shape(readUnitFile(baseline))}`);
  const env: Record<string, string> = {};
  for (const s of settings) {
    try {
      if (s.key.startsWith('Exec')) {
        const { words, expansions } = commandLineWords(s.value);
        if (expansions.length) problems.push(`${label}: ${s.key} would expand ${expansions.join(', ')}`);
        const w = want.commands[s.key];
        if (w && JSON.stringify(words) !== JSON.stringify(w)) problems.push(`${label}: ${s.key} ${JSON.stringify(words)}, want ${JSON.stringify(w)}`);
      } else if (s.key === 'Environment') {
        const { vars, expansions } = environmentAssignments(s.value);
        if (expansions.length) problems.push(`${label}: Environment would expand ${expansions.join(', ')}`);
        Object.assign(env, Object.fromEntries(vars));
      } else {
        const { value, expansions } = literalSetting(s.value);
        if (expansions.length) problems.push(`${label}: ${s.key} would expand ${expansions.join(', ')}`);
        if (s.key in want.literal && value !== want.literal[s.key]) problems.push(`${label}: ${s.key}=${JSON.stringify(value)}, want ${JSON.stringify(want.literal[s.key])}`);
      }
    } catch (e) {
      problems.push(`${label}: ${s.key}: ${(e as Error).message}`);
    }
  }
  if (JSON.stringify(env) !== JSON.stringify(want.environment)) problems.push(`${label}: environment ${JSON.stringify(env)}, want ${JSON.stringify(want.environment)}`);
  // systemd-analyze loads units by name: every file gets its own
  const unitFile = path.join(filesDir, `${label.includes('kafka.service') ? 'kafka' : 'zookeeper'}-${++fileCounter}.service`);
  writeFileSync(unitFile, text);
  unitChecks.push({ file: unitFile, label });
}

/**
 * Render every template for every host of `inv` and prove each file harmless. Files equal
 * to the baseline's (nothing hostile reached them) skip the slow checks.
 */
function proveHarmless(caseLabel: string, inv: Inventory, baseline: Inventory): string[] {
  const problems: string[] = [];
  const rendered = renderAll(inv);
  const clean = renderAll(baseline);
  const javaHome = servicesJavaHome(inv) ?? '';
  rendered.forEach(({ host, zk, kafka }, i) => {
    const label = `${caseLabel} / ${host.name}`;
    const base = clean[i]!;
    if (zk) {
      const s = host.zookeeper!;
      const bz = base.zk!;
      if (zk.initScript !== bz.initScript)
        checkShell(`${label} zookeeper.init`, zk.initScript, { SERVICE_NAME: s.serviceName, ZK_HOME: s.installDir, ZK_CONF: s.confDir, ZK_USER: s.user, PIDFILE: zookeeperPidFile(s), ZOO_LOG_DIR: s.logDir, JAVA_HOME: javaHome }, 'init', problems);
      if (zk.javaEnv !== bz.javaEnv) checkShell(`${label} java.env`, zk.javaEnv, { ZK_SERVER_HEAP: String(s.heapMb), SERVER_JVMFLAGS: jvmOptionsValue(s.jvmFlags) }, 'env', problems);
      const servers = ensembleServers(inv);
      const zooExpected: Record<string, string> = { dataDir: s.dataDir, ...(s.dataLogDir ? { dataLogDir: s.dataLogDir } : {}) };
      if (servers.length > 1) for (const sv of servers) zooExpected[`server.${sv.id}`] = `${sv.address}:${sv.quorumPort}:${sv.electionPort}`;
      const bExtra = Object.keys(base.host.zookeeper!.extraConfig);
      checkProperties(`${label} zoo.cfg`, zk.zooCfg, bz.zooCfg.split('\n').filter((l) => !bExtra.some((k) => l.startsWith(`${k}=`))).join('\n'), s.extraConfig, zooExpected, problems);
      if (zk.myid !== `${s.myid}\n`) problems.push(`${label}: myid ${JSON.stringify(zk.myid)}`);
      jvmChecks.push({ file: keep(`${label} logback`, 'xml', zk.logback), label: `${label} logback.xml`, expected: { 'zookeeper.log.dir': s.logDir }, exact: true });
      const script = `${s.installDir}/bin/zkServer.sh`;
      if (zk.systemdUnit !== bz.systemdUnit)
        checkUnit(`${label} zookeeper.service`, zk.systemdUnit, bz.systemdUnit, {
          literal: { User: s.user, Group: s.group, PIDFile: zookeeperPidFile(s) },
          environment: { ZOO_LOG_DIR: s.logDir, ...(javaHome ? { JAVA_HOME: javaHome } : {}) },
          commands: { ExecStart: [script, '--config', s.confDir, 'start'], ExecStop: [script, '--config', s.confDir, 'stop'] },
        }, problems);
    }
    if (kafka) {
      const k = host.kafka!;
      const bk = base.kafka!;
      if (kafka.initScript !== bk.initScript)
        checkShell(`${label} kafka.init`, kafka.initScript, {
          SERVICE_NAME: k.serviceName, KAFKA_HOME: k.installDir, KAFKA_CONFIG: `${k.confDir}/server.properties`, KAFKA_USER: k.user, PIDFILE: kafkaPidFile(k),
          LOG_DIR: k.logDir, KAFKA_HEAP_OPTS: `-Xmx${k.heapMb}m -Xms${k.heapMb}m`, KAFKA_OPTS: jvmOptionsValue(k.jvmFlags), JAVA_HOME: javaHome,
        }, 'init', problems);
      const kraft = k.mode === 'kraft';
      const broker = k.processRoles.includes('broker');
      const controller = kraft && k.processRoles.includes('controller');
      const listeners = [...(broker ? [`PLAINTEXT://${host.address}:${k.port}`] : []), ...(controller ? [`CONTROLLER://${host.address}:${k.controllerPort}`] : [])].join(',');
      const expected: Record<string, string> = { 'log.dirs': k.logDirs.join(','), listeners };
      if (broker) expected['advertised.listeners'] = [`PLAINTEXT://${k.advertisedHost}:${k.port}`, ...(controller && k.quorum === 'dynamic' ? [`CONTROLLER://${k.advertisedHost}:${k.controllerPort}`] : [])].join(',');
      if (!kraft) expected['zookeeper.connect'] = zookeeperConnect(inv, k.zookeeperChroot);
      if (kraft && k.quorum === 'static') expected['controller.quorum.voters'] = controllerHosts(inv).map((h) => `${h.kafka.nodeId}@${h.address}:${h.kafka.controllerPort}`).join(',');
      const bExtra = Object.keys(base.host.kafka!.extraConfig);
      checkProperties(`${label} server.properties`, kafka.serverProperties, bk.serverProperties.split('\n').filter((l) => !bExtra.some((x) => l.startsWith(`${x}=`))).join('\n'), k.extraConfig, expected, problems);
      if (kafka.systemdUnit !== bk.systemdUnit)
        checkUnit(`${label} kafka.service`, kafka.systemdUnit, bk.systemdUnit, {
          literal: { User: k.user, Group: k.group },
          environment: { LOG_DIR: k.logDir, ...(javaHome ? { JAVA_HOME: javaHome } : {}), KAFKA_HEAP_OPTS: `-Xmx${k.heapMb}m -Xms${k.heapMb}m`, KAFKA_OPTS: jvmOptionsValue(k.jvmFlags) },
          commands: { ExecStart: [`${k.installDir}/bin/kafka-server-start.sh`, `${k.confDir}/server.properties`], ExecStartPost: ['/bin/sh', '-c', 'echo "$MAINPID" > "$1"', 'kafka-pid', kafkaPidFile(k)] },
        }, problems);
    }
  });
  if (existsSync(MARK)) problems.push(`${caseLabel}: the marker file was created`);
  return problems;
}

/** A copy of the inventory with the extra properties removed (what the key set is compared with). */
function withoutExtras(inv: Inventory): Inventory {
  const copy = structuredClone(inv);
  for (const h of copy.hosts) {
    if (h.zookeeper) h.zookeeper.extraConfig = {};
    if (h.kafka) h.kafka.extraConfig = {};
  }
  return copy;
}

describe('legal but nasty: loaded, rendered for every host, read back exactly', () => {
  it.each(legalCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { file } = materialise(c.source, c.name);
    const inv = await loadInventory(file, inventorySections);
    expect(proveHarmless(c.name, inv, withoutExtras(inv))).toEqual([]);
  });
});

// ───────────────────────────── renderer alone (defense in depth) ─────────────────────────────
const pathValues = [
  `/srv/zk;touch ${MARK};y=`,
  `/srv/$(touch ${MARK})`,
  `/srv/\`touch ${MARK}\``,
  `/srv/zk'$(touch ${MARK})'`,
  `/srv/zk"; touch ${MARK}; "`,
  `/srv/zk\nExecStartPre=+/bin/touch ${MARK}`,
  `/srv/zk\nserver.99=evil:1:2\nlisteners=PLAINTEXT://0.0.0.0:1`,
  '/srv/%n %% $HOME ${HOME} $$ $MAINPID',
  '/srv/a b\\',
  '/srv/ü😀 日本',
  `/srv/<&>"' -- ]]>`,
  '/srv/ctrl\x01\x1b[31m\x7f',
  '/srv/cr\rx\ty',
  '/srv/#!=: \\\\n',
];
const wordValues = pathValues.map((v) => v.slice('/srv/'.length));

type Mutation = (inv: Inventory, v: string) => void;
const zkOf = (inv: Inventory) => inv.hosts[0]!.zookeeper!;
const kOf = (inv: Inventory) => inv.hosts[0]!.kafka!;
const fields: [string, 'path' | 'word', Mutation][] = [
  ['zookeeper.installDir', 'path', (inv, v) => void (zkOf(inv).installDir = v)],
  ['zookeeper.confDir', 'path', (inv, v) => void (zkOf(inv).confDir = v)],
  ['zookeeper.dataDir', 'path', (inv, v) => void (zkOf(inv).dataDir = v)],
  ['zookeeper.dataLogDir', 'path', (inv, v) => void (zkOf(inv).dataLogDir = v)],
  ['zookeeper.logDir', 'path', (inv, v) => void (zkOf(inv).logDir = v)],
  ['zookeeper.user', 'word', (inv, v) => void (zkOf(inv).user = v)],
  ['zookeeper.group', 'word', (inv, v) => void (zkOf(inv).group = v)],
  ['zookeeper.jvmFlags', 'word', (inv, v) => void (zkOf(inv).jvmFlags = `-Xss1m ${v}`)],
  ['zookeeper.extraConfig value', 'word', (inv, v) => void (zkOf(inv).extraConfig = { snapCount: v })],
  ['zookeeper.extraConfig key', 'word', (inv, v) => void (zkOf(inv).extraConfig = { [v]: 'x' })],
  ['kafka.installDir', 'path', (inv, v) => void (kOf(inv).installDir = v)],
  ['kafka.confDir', 'path', (inv, v) => void (kOf(inv).confDir = v)],
  ['kafka.logDirs', 'path', (inv, v) => void (kOf(inv).logDirs = [v, '/data/b'])],
  ['kafka.logDir', 'path', (inv, v) => void (kOf(inv).logDir = v)],
  ['kafka.advertisedHost', 'word', (inv, v) => void (kOf(inv).advertisedHost = v)],
  ['kafka.user', 'word', (inv, v) => void (kOf(inv).user = v)],
  ['kafka.group', 'word', (inv, v) => void (kOf(inv).group = v)],
  ['kafka.jvmFlags', 'word', (inv, v) => void (kOf(inv).jvmFlags = `-Xss1m ${v}`)],
  ['kafka.zookeeperChroot', 'path', (inv, v) => void (kOf(inv).zookeeperChroot = v)],
  ['kafka.extraConfig value', 'word', (inv, v) => void (kOf(inv).extraConfig = { 'num.io.threads': v })],
  ['kafka.extraConfig key', 'word', (inv, v) => void (kOf(inv).extraConfig = { [v]: 'x' })],
  ['host address', 'word', (inv, v) => void (inv.hosts[0]!.address = v)],
  ['java.home', 'path', (inv, v) => void ((inv.java.archive = '/srv/jdk.tar.gz'), (inv.java.home = v))],
  ['cluster', 'word', (inv, v) => void (inv.cluster = v)],
];

/** Where a value cannot be represented at all, rendering must stop with a named error. */
function mustRefuse(field: string, v: string): boolean {
  const control = /[\x00-\x1f\x7f]/.test(v);
  if (/\.(user|group)$/.test(field)) return control || /^\s|\s$|\\$/.test(v); // User=, Group= take the value literally
  if (field === 'zookeeper.dataDir') return control; // PIDFile=<dataDir>/zookeeper_server.pid, literally
  if (field === 'zookeeper.logDir') return /[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(v); // logback.xml (XML 1.0)
  if (field === 'cluster') return control; // a comment line
  if (field.endsWith('jvmFlags')) return /[\x00-\x08\x0e-\x1f\x7f]/.test(v); // a token with a control character
  return false;
}

const zkModeBase = parseInventory(
  'cluster: hostile\nkafka: { mode: zookeeper }\nhosts:\n  - { name: h1, address: 10.213.0.11, roles: [zookeeper, kafka] }\n  - { name: h2, address: 10.213.0.12, roles: [zookeeper, kafka] }\n  - { name: h3, address: 10.213.0.13, roles: [zookeeper, kafka] }\n',
  'zk-mode.yml',
  inventorySections,
);
const kraftBase = parseInventory('cluster: hostile\nkafka: { version: 4.4.0 }\nhosts:\n  - { name: k1, address: 10.213.0.21, roles: [kafka] }\n  - { name: k2, address: 10.213.0.22, roles: [kafka] }\n', 'kraft.yml', inventorySections);

const matrix = fields.flatMap(([field, kind, mutate]) =>
  (kind === 'path' ? pathValues : wordValues).map((v, i) => [`${field} #${i + 1}`, field, v, mutate] as const),
);

describe('renderer alone: values the schema refuses are rendered harmlessly or refused by name', () => {
  let rendered = 0;
  let refused = 0;
  it.each(matrix)('%s', (_label, field, value, mutate) => {
    const base = field.startsWith('zookeeper') || field === 'host address' || field === 'kafka.zookeeperChroot' ? zkModeBase : field.startsWith('kafka') && field.includes('Host') ? kraftBase : zkModeBase;
    // The baseline has the same field set to a plain value, so optional lines (dataLogDir=,
    // JAVA_HOME) exist in both and only the hostile value differs.
    const clean = structuredClone(base);
    mutate(clean, field.endsWith(' key') ? 'zkk.clean' : fields.find(([f]) => f === field)![1] === 'path' ? '/srv/clean' : 'clean');
    const inv = structuredClone(base);
    mutate(inv, value);
    let problems: string[];
    try {
      problems = proveHarmless(`${field} ${JSON.stringify(value).slice(0, 40)}`, inv, clean);
    } catch (e) {
      expect(e, String((e as Error).stack)).toBeInstanceOf(ZkkError);
      expect((e as ZkkError).exitCode).toBe(2);
      expect((e as ZkkError).code).toBe('UNSAFE_VALUE');
      expect(mustRefuse(field, value), `refused although representable: ${(e as Error).message}`).toBe(true);
      refused++;
      return;
    }
    expect(mustRefuse(field, value), 'rendered although it cannot be represented').toBe(false);
    expect(problems).toEqual([]);
    rendered++;
  });
  it('most hostile values are rendered (and proven), not merely refused', () => {
    expect(rendered + refused).toBe(matrix.length);
    expect(rendered).toBeGreaterThan(matrix.length * 0.8);
  });
});

// ───────────────────────────── the real consumers ─────────────────────────────
describe('the real parsers agree', () => {
  it.runIf(javaAvailable())('java.util.Properties and the JVM XML parser read every rendered file as intended', () => {
    expect(jvmChecks.length).toBeGreaterThan(100);
    const parsed = parseWithJava(jvmChecks.map((c) => c.file));
    const problems: string[] = [];
    for (const c of jvmChecks) {
      const got = parsed.get(c.file);
      if (!got || got.error) problems.push(`${c.label}: ${got?.error ?? 'not parsed'}`);
      else if (c.file.endsWith('.xml') ? got.entries['zookeeper.log.dir'] !== c.expected['zookeeper.log.dir'] : JSON.stringify(Object.entries(got.entries).sort()) !== JSON.stringify(Object.entries(c.expected).sort()))
        problems.push(`${c.label}: the JVM read ${JSON.stringify(got.entries).slice(0, 400)}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.runIf(analyze)('systemd-analyze verify finds nothing wrong in any rendered unit', () => {
    expect(unitChecks.length).toBeGreaterThan(50);
    const problems: string[] = [];
    for (let i = 0; i < unitChecks.length; i += 40) {
      const batch = unitChecks.slice(i, i + 40);
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...batch.map((c) => c.file)], { encoding: 'utf8' });
      const complaints = `${r.stdout}\n${r.stderr}`
        .split('\n')
        // systemd refusing to start a unit is harmless (it fails closed); a setting it
        // reads differently from what was written is not
        // (a message quoting a value with a line break continues on lines of its own: only
        // lines that start like a message count)
        .filter((l) => /^(\/\S+\.service:\d+: |\S+\.service: |Unit \S+\.service )/.test(l))
        .filter((l) => !/is not executable|Special user .* configured|Executable name contains special characters|Invalid user\/group name|has a bad unit file setting|Unit configuration has fatal error/.test(l));
      problems.push(...complaints);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

// ───────────────────────────── the CLI ─────────────────────────────
describe('zkk validate on hostile files: exit 2, the position, no stack trace', () => {
  const root = path.join(__dirname, '../..');
  const main = path.join(root, 'dist/cli/main.js');
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => statSync(path.join(dir, f)).mtimeMs));
  it.each(['dataDir with ; and a command', 'billion laughs (alias expansion)', 'deep block nesting', 'UTF-16LE file', 'extraConfig value adding server.99='])('%s', (name) => {
    if (!existsSync(main) || newest(path.join(root, 'src')) > statSync(main).mtimeMs) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'ignore' });
    const c = refusedCases.find((x) => x.name === name)!;
    const { file, line, column } = materialise(c.source, `cli-${name}`);
    const r = spawnSync('node', [path.join(root, 'bin/zkk.js'), 'validate', file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at .*\.js:\d+/);
    expect(r.stderr).toContain(line !== undefined ? `${file}:${line}:${column}` : `${file}:`);
  }, 120_000);
});
