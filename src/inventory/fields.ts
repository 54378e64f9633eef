/**
 * The field types every inventory block shares, and the checks behind them. One
 * definition: the schema's fields, the roles' blocks and the `zkk init` wizard
 * (wizard/validate.ts) all use these, so `zkk validate` refuses what the wizard refuses.
 *
 * Values that reach files and commands on the hosts are restricted to what needs no
 * quoting anywhere: remote paths are absolute, normalised and made of letters, digits and
 * `. _ - + @ /`; addresses are IPs or DNS names; JVM flags are tokens; property keys use
 * the Java property-key charset and values hold no line breaks or control characters.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** Characters a remote path may hold: nothing a shell, a unit file or a config list treats specially. */
export const SAFE_PATH_CHARS = 'letters, digits and . _ - + @ /';
const SAFE_PATH = /^[A-Za-z0-9._+@/-]+$/;
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

// --- checks (a reason, or undefined when fine) ---------------------------------------

/** A directory or file on the hosts. */
export function remotePathProblem(s: string): string | undefined {
  if (!s) return 'a path is required';
  if (!s.startsWith('/')) return `${s} must be an absolute path (starting with /)`;
  if (!SAFE_PATH.test(s)) return `${printable(s)}: only ${SAFE_PATH_CHARS} in paths (no spaces, commas, colons, quotes or shell characters)`;
  const norm = path.posix.normalize(s).replace(/\/+$/, '');
  if (norm === '' || norm === '/') return 'not the root directory';
  if (norm !== s) return `${printable(s)} is not a plain path (write it as ${printable(norm)})`;
  return undefined;
}

/** `child` is `parent` or below it. */
export const pathInside = (child: string, parent: string): boolean => child === parent || child.startsWith(`${parent}/`);

/**
 * A data directory must not sit in a temporary directory, nor in an install directory (a
 * symlink replaced on every upgrade, the versions unpacked beside it as
 * <installDir>-<version>), nor in another service's data directory (or they in it).
 */
export function dataDirProblem(dir: string, around: { installDirs: readonly string[]; otherDataDirs: readonly string[] }): string | undefined {
  if (pathInside(dir, '/tmp') || pathInside(dir, '/var/tmp')) return `${dir} is under a temporary directory: data there is lost on reboot`;
  for (const inst of around.installDirs) {
    if (pathInside(dir, inst) || pathInside(inst, dir)) return `${dir} overlaps the install directory ${inst}: upgrades replace that`;
  }
  for (const other of around.otherDataDirs) {
    if (pathInside(dir, other) || pathInside(other, dir)) return `${dir} overlaps the data directory ${other}`;
  }
  return undefined;
}

/** An IPv4/IPv6 address or a DNS name (RFC 1123 labels). */
export function addressProblem(s: string): string | undefined {
  if (!s) return 'an address is empty';
  if (isIP(s)) return undefined;
  if (/^[\d.]+$/.test(s)) return `${s} is not a valid IPv4 address (four numbers 0-255, like 10.0.0.1)`;
  if (s.includes(':')) return `${printable(s)} is not a valid IPv6 address`;
  if (s.length > 253) return `${printable(s.slice(0, 20))}… is longer than a DNS name may be (253)`;
  const labels = s.replace(/\.$/, '').split('.');
  const bad = labels.find((l) => !/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
  if (bad !== undefined) return `${printable(s)} is not a valid host name or IP address (DNS names use letters, digits, dots and dashes)`;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return `${s} is not a valid IPv4 address or host name`;
  return undefined;
}

/** A login name for SSH (what OpenSSH and useradd accept). */
export const LOGIN_USER = /^[a-z_][a-z0-9_.-]*\$?$/i;
/** A service account or group zkk creates (useradd's portable names, at most 32 characters). */
const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** One JVM flag: starts with a dash; no spaces, quotes, globs or shell characters. */
const JVM_FLAG = /^-[A-Za-z0-9_.:=+/@,%-]+$/;

export function jvmFlagProblem(token: string): string | undefined {
  return JVM_FLAG.test(token)
    ? undefined
    : `${printable(token)} is not a JVM flag zkk writes as is (a flag starts with -, then letters, digits and . _ : = + / @ , % -; no spaces, quotes, * ? [ or shell characters)`;
}

/** JVM flags as written: a list of tokens, or one string split on whitespace. */
export function jvmFlagTokens(flags: string | readonly string[]): string[] {
  return typeof flags === 'string' ? flags.split(/\s+/).filter(Boolean) : [...flags];
}

/** Java property keys zkk writes (zoo.cfg, server.properties). */
const PROPERTY_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function propertyValueProblem(value: string): string | undefined {
  return CONTROL.test(value) ? `${printable(value)}: a property value may not hold line breaks or control characters` : undefined;
}

/** A value in an error message, with control characters made visible. */
function printable(s: string): string {
  const shown = JSON.stringify(s.length > 120 ? s.slice(0, 120) : s).slice(1, -1);
  return s.length > 120 ? `${shown}…` : shown;
}

const refined = (check: (s: string) => string | undefined) => (s: string, ctx: z.RefinementCtx) => {
  const problem = check(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

// --- fields ---------------------------------------------------------------------------

export const portField = z.number().int().min(1).max(65535);
/** A path on the hosts (install, config, data and log directories). */
export const absolutePathField = z
  .string()
  .regex(/^\/[A-Za-z0-9._+@/-]*$/, { message: `must be an absolute path of ${SAFE_PATH_CHARS} (no spaces, commas, colons, quotes or shell characters)`, abort: true })
  .superRefine(refined(remotePathProblem));
/** A path on the control node (keys, known_hosts, tarballs): any text without control characters. */
export const localPathField = z.string().min(1).regex(/^[^\u0000-\u001F\u007F-\u009F]+$/, 'no line breaks or control characters in a path');
/** A file on the control node whose name travels to the hosts (tarballs): the name in the safe path charset. */
export const uploadedFileField = localPathField.refine((p) => SAFE_PATH.test(path.basename(p)), `the file name may hold only ${SAFE_PATH_CHARS} (it is copied to the hosts)`);
export const nameField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, dot, dash, underscore').max(64, 'at most 64 characters');
export const accountNameField = z.string().regex(ACCOUNT_NAME, 'a user or group name: lower-case letters, digits, dash, underscore; at most 32; not starting with a digit or dash');
export const loginUserField = z.string().regex(LOGIN_USER, 'not a user name (letters, digits, dot, dash, underscore)');
export const addressField = z.string().min(1).superRefine(refined(addressProblem));
export const versionField = z.string().regex(/^\d+\.\d+\.\d+$/, 'a version like 3.8.6 (major.minor.patch)');
export const sha512Field = z.string().regex(/^[0-9a-fA-F\s]{128,}$/);
export const packageNameField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+_:~-]*$/, 'a package name: letters, digits and . + _ : ~ -');
export const jvmFlagsField = z.union([
  z.string().superRefine((s, ctx) => {
    for (const token of jvmFlagTokens(s)) refined(jvmFlagProblem)(token, ctx);
  }),
  z.array(z.string().superRefine(refined(jvmFlagProblem))),
]);
export const propertyValueField = z.union([z.string().superRefine(refined(propertyValueProblem)), z.number(), z.boolean()]);
export const extraConfigField = z.record(z.string().regex(PROPERTY_KEY, 'a property key: letters, digits, dot, dash, underscore'), propertyValueField);
/** A URL zkk downloads from. */
export const downloadUrlField = z.string().regex(/^https?:\/\/[^\s\u0000-\u001F\u007F-\u009F]+$/, { message: 'an http(s) URL without spaces', abort: true }).url();

export const releaseSchema = z
  .strictObject({
    url: downloadUrlField.optional().describe('Base URL laid out like the Apache archive (default https://archive.apache.org/dist)'),
    mirror: localPathField.optional().describe('A mirror base URL or a local directory with the Apache archive layout'),
    file: uploadedFileField.optional().describe('A local release tarball on the control node (checksum from sha512 or FILE.sha512)'),
    sha512: sha512Field.optional().describe('Expected SHA-512 (hex); default: the .sha512 published beside the tarball'),
    allowInsecure: z
      .boolean()
      .optional()
      .describe('Accept an http:// url or mirror without sha512 (warned): tarball and checksum then come unauthenticated from the same place'),
  })
  .describe('Where the release tarball comes from; it is always SHA-512 verified');
