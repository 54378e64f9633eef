/**
 * Handlebars environment: strict (a missing variable is an error, not an empty string).
 * Every value reaches a file through exactly one format helper — the escaping layer of
 * that file's syntax — and a template that writes a value any other way is refused when
 * it is compiled (see template-check.ts). Templates are looked up in the inventory's own
 * templates/ directory first (local overrides), then in zkk's built-in templates/.
 *
 *   {{sh x}}                    POSIX shell word (init scripts, java.env)
 *   {{unit x}}                  systemd setting taken literally (User=, PIDFile=)
 *   {{unitArg x}}               one word of a systemd command line (ExecStart=)
 *   {{unitExec x}}              the program of a systemd command line (absolute path)
 *   {{unitEnv "NAME" x}}        one Environment= assignment
 *   {{propKey x}} {{prop x}}    Java properties key / value (zoo.cfg, server.properties)
 *   {{xml x}}                   XML attribute value or text (logback.xml)
 *   {{comment x}}               text on a comment line (no line breaks)
 *   {{num x}}                   a whole number
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { ZkkError } from '../errors/zkk-error.js';
import { shellWord } from './shell-word.js';
import { unitCommandArgument, unitCommandProgram, unitEnvironmentAssignment, unitSettingValue } from './systemd-value.js';
import { propertyKey, propertyValue } from './java-properties.js';
import { xmlText } from './xml-text.js';
import { commentText, wholeNumber } from './plain-text.js';
import { rawOutputProblems } from './template-check.js';

export const builtinTemplateDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

/** Helper name → escaping function; Handlebars passes its options object last, which is dropped. */
const formatHelpers: Record<string, (...values: unknown[]) => string> = {
  sh: (v) => shellWord(v),
  unit: (v) => unitSettingValue(v),
  unitArg: (v) => unitCommandArgument(v),
  unitExec: (v) => unitCommandProgram(v),
  unitEnv: (name, v) => unitEnvironmentAssignment(name, v),
  propKey: (v) => propertyKey(v),
  prop: (v) => propertyValue(v),
  xml: (v) => xmlText(v),
  comment: (v) => commentText(v),
  num: (v) => wholeNumber(v),
};
export const FORMAT_HELPERS: ReadonlySet<string> = new Set(Object.keys(formatHelpers));

const env = Handlebars.create();
for (const [name, escape] of Object.entries(formatHelpers)) {
  const arity = escape.length;
  env.registerHelper(name, (...args: unknown[]) => {
    const values = args.slice(0, -1);
    if (values.length !== arity) throw new ZkkError('TEMPLATE', `{{${name}}} takes ${arity} value(s), got ${values.length}`, { exitCode: 2 });
    return escape(...values);
  });
}
// Value builders for sub-expressions: their result still goes through a format helper.
env.registerHelper('join', (list: unknown[], sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ',') : ''));
env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
env.registerHelper('includes', (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v));

const cache = new Map<string, Handlebars.TemplateDelegate>();

export interface RenderOptions {
  /** Directory checked before the built-in templates (e.g. <inventory dir>/templates). */
  overrideDir?: string;
}

export function templatePath(name: string, opts: RenderOptions = {}): string {
  if (opts.overrideDir) {
    const local = path.join(opts.overrideDir, name);
    if (existsSync(local)) return local;
  }
  return path.join(builtinTemplateDir, name);
}

/** Parse and check a template; a value written without a format helper is an error naming file:line:column. */
export function compileTemplate(source: string, file: string): Handlebars.TemplateDelegate {
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
  } catch (e) {
    throw new ZkkError('TEMPLATE', `template ${file}: ${(e as Error).message}`, { exitCode: 2, cause: e });
  }
  const problems = rawOutputProblems(ast, FORMAT_HELPERS);
  if (problems.length > 0)
    throw new ZkkError('TEMPLATE', problems.map((p) => `template ${file}:${p.line}:${p.column}: ${p.message}`).join('\n'), {
      exitCode: 2,
      hint: 'every value in a template goes through the helper of its file format, e.g. PIDFILE={{sh pidFile}} or dataDir={{prop s.dataDir}}',
    });
  return env.compile(ast, { strict: true, noEscape: true });
}

export function renderTemplate(name: string, context: object, opts: RenderOptions = {}): string {
  const file = templatePath(name, opts);
  let tpl = cache.get(file);
  if (!tpl) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      throw new ZkkError('TEMPLATE', `template ${name} not found (looked in ${file})`, { exitCode: 2 });
    }
    tpl = compileTemplate(source, file);
    cache.set(file, tpl);
  }
  try {
    return tpl(context);
  } catch (e) {
    if (e instanceof ZkkError) throw new ZkkError(e.code, `template ${file}: ${e.message}`, { exitCode: e.exitCode, hint: e.hint, cause: e });
    throw new ZkkError('TEMPLATE', `template ${file}: ${(e as Error).message}`, { exitCode: 2, cause: e });
  }
}

export interface PropertyEntry {
  key: string;
  value: string | number | boolean;
}

/** Extra properties (the escape hatch every config template ends with), in inventory order. */
export function propertyEntries(props: Record<string, string | number | boolean>): PropertyEntry[] {
  return Object.entries(props).map(([key, value]) => ({ key, value }));
}
