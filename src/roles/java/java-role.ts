/**
 * Java: detect it and its version; install a JDK with apt/dnf/yum when allowed, or refuse
 * naming the fix. With java.archive (hosts without a package mirror) the JDK tarball goes
 * the way of the releases instead: SHA-512 checked on the control node, uploaded, checked
 * again, unpacked into <home>-<name> (ops/archive), its version checked, then the stable
 * symlink <home> (the services' JAVA_HOME) and /usr/local/bin/java switched to it.
 */
import path from 'node:path';
import { javaProbe, osProbe, parseJavaVersion, pathProbe, releaseProbe, type Probe } from '../../facts/probes.js';
import type { Inventory, JavaSettings } from '../../inventory/resolve.js';
import { ensureReleaseUnpacked, ensureSymlink, MARKER, remoteCachePath, type LocalRelease } from '../../ops/archive.js';
import { blocked, change, exec, followedBy, ok, type ExecAction, type Outcome, type Step } from '../../ops/operation.js';
import { installPackage, packageManager } from '../../ops/package.js';
import { quote, script } from '../../shell/command.js';
import type { Role } from '../role.js';
import { JAVA_CHANGED } from './handlers.js';

/** On every login's PATH (sudo's secure_path, sshd's default, systemd's, the init scripts'). */
export const JAVA_PATH_LINK = '/usr/local/bin/java';
/** A JDK change restarts the services that run on it. */
/** A new JDK restarts the services that run on it. */
const RESTARTS = [JAVA_CHANGED];

/** JAVA_HOME for the services' unit files and init scripts; undefined: whatever java is on the PATH. */
export function servicesJavaHome(inv: Inventory): string | undefined {
  return inv.java.archive ? inv.java.home : undefined;
}

/** jdk-17.0.15.tar.gz → jdk-17.0.15 */
export function archiveName(file: string): string {
  return path.basename(file).replace(/\.(tar\.gz|tgz)$/, '');
}

export function javaVersionedDir(java: JavaSettings): string {
  return `${java.home}-${archiveName(java.archive ?? 'jdk')}`;
}

function archiveProbes(java: JavaSettings, rel: LocalRelease | undefined): Probe<unknown>[] {
  const vdir = javaVersionedDir(java);
  return [
    javaProbe(`${java.home}/bin/java`),
    pathProbe(java.home),
    pathProbe(JAVA_PATH_LINK),
    ...(rel ? [releaseProbe(`${vdir}/${MARKER}`, remoteCachePath(rel), rel.sha512)] : []),
  ];
}

export const javaRole: Role = {
  name: 'java',
  appliesTo: (h) => h.roles.size > 0,
  releases: (inv) =>
    inv.java.archive
      ? [{ component: 'java', version: archiveName(inv.java.archive), archivePath: `java/${path.basename(inv.java.archive)}`, source: { file: inv.java.archive, sha512: inv.java.sha512 } }]
      : [],
  probes: (ctx) => (ctx.inv.java.archive ? [osProbe(), ...archiveProbes(ctx.inv.java, ctx.releases.get('java'))] : [osProbe(), javaProbe()]),
  plan(ctx, facts) {
    const min = ctx.inv.java.minVersion;
    if (ctx.inv.java.archive) {
      const java = ctx.inv.java;
      const rel = ctx.releases.get('java');
      if (!rel) throw new Error('java archive not obtained');
      const vdir = javaVersionedDir(java);
      // check the unpacked JDK before any link points at it
      const unpack = followedBy(
        ensureReleaseUnpacked(facts.get(releaseProbe(`${vdir}/${MARKER}`, remoteCachePath(rel), rel.sha512)), rel, vdir),
        ` (then check its java -version ≥ ${min})`,
        checkUnpackedJava(vdir, min, rel.fileName),
      );
      const installed = facts.get(javaProbe(`${java.home}/bin/java`));
      let outcome: Outcome;
      if (installed.feature === undefined) outcome = ok(`${java.home} is set up above; the version is checked right after unpacking`);
      else if (installed.feature >= min) outcome = ok(`Java ${installed.version} at ${java.home}`);
      else outcome = blocked(`Java ${installed.version} from ${rel.fileName} is older than ${min}`, `point java.archive at a Java ${Math.max(min, 17)} tarball`);
      return [
        { id: 'java.archive', title: `JDK ${archiveName(rel.fileName)}`, outcome: unpack, notify: RESTARTS },
        { id: 'java.home-link', title: java.home, outcome: ensureSymlink(facts.get(pathProbe(java.home)), java.home, vdir), notify: RESTARTS },
        { id: 'java.path-link', title: JAVA_PATH_LINK, outcome: ensureSymlink(facts.get(pathProbe(JAVA_PATH_LINK)), JAVA_PATH_LINK, `${java.home}/bin/java`) },
        { id: 'java.ensure', title: 'Java runtime', outcome },
      ];
    }
    const java = facts.get(javaProbe());
    const os = facts.get(osProbe());
    let outcome;
    if (java.feature !== undefined && java.feature >= min) outcome = ok(`Java ${java.version} at ${java.path}`);
    else {
      const found = java.version ? `Java ${java.version} is older than ${min}` : 'no java on the PATH';
      const pm = packageManager(os);
      const feature = Math.max(min, 17);
      const pkg = ctx.inv.java.package ?? (pm === 'apt' ? `openjdk-${feature}-jre-headless` : `java-${feature}-openjdk-headless`);
      if (ctx.inv.java.install === 'never' || !pm) {
        outcome = blocked(
          `${found}. Install Java ${feature} on ${ctx.host.name} (e.g. apt-get install ${pkg})${pm ? ', or set java.install: auto in the inventory' : ''}, or give zkk a JDK tarball to upload (java.archive)`,
        );
      } else {
        outcome = change(`${found}: install ${pkg} with ${pm}`, [installPackage(pm, pkg)]);
      }
    }
    const steps: Step[] = [{ id: 'java.ensure', title: 'Java runtime', outcome }];
    return steps;
  },
};

/** `<dir>/bin/java -version`, judged on its output: it must run and be at least `min`. */
function checkUnpackedJava(dir: string, min: number, fileName: string): ExecAction {
  const bin = `${dir}/bin/java`;
  return exec(script(`echo path=${quote(bin)}; ${quote(bin)} -version 2>&1 | head -n 3`, `${bin} -version`), {
    timeoutMs: 120_000,
    judge: (res) => {
      const fact = parseJavaVersion(res.stdout);
      if (fact.feature === undefined) return `${fileName} unpacked to ${dir}, but ${bin} -version does not run: ${res.stdout.trim().split('\n').slice(-2).join(' ')}`;
      if (fact.feature < min) return `${fileName} holds Java ${fact.version}, older than ${min}: point java.archive at a Java ${Math.max(min, 17)} tarball`;
      return undefined;
    },
  });
}
