/**
 * Handlebars environment: strict (a missing variable is an error, not an empty string),
 * no HTML escaping. Templates are looked up in the inventory's own templates/ directory
 * first (local overrides), then in zkk's built-in templates/.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { ZkkError } from '../errors/zkk-error.js';

export const builtinTemplateDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

const env = Handlebars.create();
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
    tpl = env.compile(source, { strict: true, noEscape: true });
    cache.set(file, tpl);
  }
  try {
    return tpl(context);
  } catch (e) {
    throw new ZkkError('TEMPLATE', `template ${file}: ${(e as Error).message}`, { exitCode: 2, cause: e });
  }
}

/** key=value lines for extra properties (the escape hatch every config template ends with). */
export function propertyLines(props: Record<string, string | number | boolean>): string[] {
  return Object.entries(props).map(([k, v]) => `${k}=${String(v)}`);
}
