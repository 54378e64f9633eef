/**
 * Merging, the one way every block resolves: documented defaults < the top-level block
 * < the host's block; local paths in the inventory are relative to its file.
 */
import os from 'node:os';
import path from 'node:path';

export interface ReleaseSource {
  url?: string;
  mirror?: string;
  file?: string;
  sha512?: string;
  /** Accept an http:// source without a pinned sha512 (warned). */
  allowInsecure?: boolean;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; arrays and scalars from `over` replace; extraConfig merges by key. */
export function deepMerge<T extends object>(base: T, over: object): T {
  const out: Plain = { ...(base as Plain) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) && k !== 'extraConfig' ? deepMerge(b, v) : isPlain(b) && isPlain(v) ? { ...b, ...v } : v;
  }
  return out as T;
}

/** defaults < cluster < host. */
export function mergeLayers<T extends object>(defaults: T, cluster: object | undefined, host: object | undefined): T {
  return deepMerge(deepMerge(defaults, cluster ?? {}), host ?? {});
}

const home = os.homedir();
const expandHome = (p: string): string => (p.startsWith('~/') ? path.join(home, p.slice(2)) : p);

/** A control-node path from the inventory: `~/` expanded, relative to the inventory's directory. */
export function controlNodePath(inventoryDir: string, p: string): string {
  const expanded = expandHome(p);
  return path.isAbsolute(expanded) ? expanded : path.resolve(inventoryDir, expanded);
}

export const normaliseSha512 = (hex: string): string => hex.replace(/\s+/g, '').toLowerCase();

export function resolveRelease(r: ReleaseSource, localPath: (p: string) => string): ReleaseSource {
  const out: ReleaseSource = { ...r };
  if (r.file) out.file = localPath(r.file);
  if (r.mirror && !/^[a-z]+:\/\//i.test(r.mirror)) out.mirror = localPath(r.mirror);
  if (r.sha512) out.sha512 = normaliseSha512(r.sha512);
  return out;
}
