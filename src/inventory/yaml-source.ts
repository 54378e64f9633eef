/**
 * The inventory file as YAML, read defensively: bytes must be UTF-8 text without control
 * characters, within a size; the document is one plain mapping of plain data (no custom
 * tags, no unresolved or exploding aliases, no duplicate or non-scalar keys, bounded
 * nesting). Whatever the file holds, the answer is data with positions or InventoryErrors
 * naming file:line:column — never an exception from the parser.
 */
import { Alias, isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InventoryError } from '../errors/zkk-error.js';
import { inventoryProblems, MAX_REPORTED } from './problems.js';

/** An inventory of a thousand hosts is about 200 KiB. */
export const MAX_INVENTORY_BYTES = 1024 * 1024;
/** The schema nests 5 levels (hosts[].zookeeper.release.sha512); YAML deeper than this is not an inventory. */
export const MAX_NESTING = 32;
/** Nodes (scalars, maps, lists) in the document, before aliases expand. */
export const MAX_NODES = 100_000;
/** How often the document may reuse an anchor (YAML's alias-bomb guard). */
export const MAX_ALIAS_COUNT = 100;

/** The tags plain data may carry: YAML's core schema, nothing that builds other objects. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export interface SourceMap {
  file: string;
  /** Position of the value (or, for missing keys, of the nearest existing parent). */
  locate(p: readonly (string | number)[], key?: boolean): { line?: number; column?: number };
}

export interface YamlSource {
  data: unknown;
  sources: SourceMap;
}

/** Bytes from disk to text: size, then UTF-8. */
export function decodeInventoryBytes(bytes: Uint8Array, file: string): string {
  if (bytes.length > MAX_INVENTORY_BYTES) throw tooBig(bytes.length, file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = positionIn(lossy, lossy.indexOf('\uFFFD'));
    throw new InventoryError('is not UTF-8 text', { file, ...at, hint: 'save the file as UTF-8 (iconv -t UTF-8, or your editor\'s encoding setting)' });
  }
}

export function parseYamlSource(text: string, file: string): YamlSource {
  if (text.length > MAX_INVENTORY_BYTES) throw tooBig(text.length, file);
  if (text.startsWith('\uFEFF')) text = text.slice(1); // a UTF-8 byte order mark: harmless, skipped
  checkControlCharacters(text, file);
  const lineCounter = new LineCounter();
  // Duplicate keys are checked in checkPlainData (linear; the parser's own check is quadratic).
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  } catch (e) {
    // The block parser recurses per level: a hostile depth exhausts the stack before any check runs.
    if (!(e instanceof RangeError)) throw e;
    const deep = /^[ \t]{64,}\S/m.exec(text);
    throw new InventoryError('invalid YAML: nested deeper than an inventory ever is', { file, ...(deep ? positionIn(text, deep.index) : { line: 1, column: 1 }), hint: 'an inventory nests a few levels; is this the right file?' });
  }
  const at = (offset: number | undefined) => (offset === undefined ? {} : lineCounter.linePos(offset)) as { line?: number; col?: number };
  const fail = (offset: number | undefined, message: string, hint?: string) => {
    const pos = at(offset);
    return new InventoryError(message, { file, line: pos.line, column: pos.col, hint });
  };
  const problems = [...doc.errors, ...doc.warnings].map((err) => fail(err.pos[0], yamlMessage(err.code, err.message), yamlHint(err.code)));
  if (problems.length > 0) throw inventoryProblems(problems);
  const plain = checkPlainData(doc, fail);
  if (plain.length > 0) throw inventoryProblems(plain);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const firstAlias = findFirstAlias(doc);
    throw fail(firstAlias?.range?.[0], `its aliases expand to too much data (${(e as Error).message})`, `reuse an anchor at most ${MAX_ALIAS_COUNT} times; write the values out instead`);
  }
  return { data, sources: makeSourceMap(doc, lineCounter, file) };
}

function tooBig(size: number, file: string): InventoryError {
  return new InventoryError(`is ${size} bytes; an inventory is at most ${MAX_INVENTORY_BYTES} bytes`, { file, hint: 'is this the right file?' });
}

/** C0 controls other than tab, newline and carriage return, DEL and C1 controls: never meaningful in an inventory. */
function checkControlCharacters(text: string, file: string): void {
  const bad = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.exec(text);
  if (!bad) return;
  const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  throw new InventoryError(`contains the control character U+${code}`, { file, ...positionIn(text, bad.index), hint: 'an inventory is plain text: remove it (binary data or a wrong encoding?)' });
}

function positionIn(text: string, index: number): { line?: number; column?: number } {
  if (index < 0) return {};
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (/Maximum call stack/.test(first)) return `invalid YAML: nested deeper than an inventory ever is`;
  if (code === 'TAG_RESOLVE_FAILED') return `invalid YAML: ${first} (only plain data: strings, numbers, booleans, lists, mappings)`;
  return `invalid YAML: ${first}`;
}

function yamlHint(code: string): string {
  if (code === 'DUPLICATE_KEY') return 'each key may appear once per block';
  if (code === 'MULTIPLE_DOCS') return 'one inventory per file: remove the second document (the line with ---)';
  if (code === 'TAG_RESOLVE_FAILED') return 'remove the !tag';
  return 'check indentation and quoting on that line';
}

type Fail = (offset: number | undefined, message: string, hint?: string) => InventoryError;

/**
 * One walk (iterative: no recursion a hostile file could exhaust) over the document:
 * nesting and size bounds, plain tags, scalar keys once per mapping, aliases that resolve.
 */
function checkPlainData(doc: Document, fail: Fail): InventoryError[] {
  const problems: InventoryError[] = [];
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 1 }];
  let nodes = 0;
  while (stack.length > 0 && problems.length <= MAX_REPORTED) {
    const { node, depth } = stack.pop()!;
    if (!node || typeof node !== 'object') continue;
    const start = (node as Node).range?.[0];
    if (++nodes > MAX_NODES) {
      problems.push(fail(start, `has more than ${MAX_NODES} values`, 'an inventory is a few hundred lines; is this the right file?'));
      break;
    }
    if (isAlias(node)) {
      if (!(node as Alias).resolve(doc)) problems.push(fail(start, `invalid YAML: the alias *${(node as Alias).source} names no anchor before it`, 'define the anchor (&name) before using it'));
      continue;
    }
    const tag = (node as { tag?: string }).tag;
    if (tag && !PLAIN_TAGS.has(tag)) {
      problems.push(fail(start, `invalid YAML: the tag ${tag} is not plain data`, 'remove the !tag'));
      continue;
    }
    if (!isCollection(node)) continue;
    if (depth > MAX_NESTING) {
      problems.push(fail(start, `invalid YAML: nested deeper than ${MAX_NESTING} levels`, 'an inventory nests a few levels; is this the right file?'));
      continue;
    }
    if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
      continue;
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        if (key !== null && !isScalar(key)) {
          problems.push(fail(key.range?.[0] ?? start, 'invalid YAML: a key must be a plain word, not a list, mapping or alias', 'write the key as text'));
          continue;
        }
        const name = key === null ? '' : String(key.value);
        // (at the top level the schema names it: an unknown key)
        if (name === '__proto__' && depth > 1) problems.push(fail(key?.range?.[0] ?? start, 'the key "__proto__" is not allowed (it would not become data)', 'remove it'));
        if (seen.has(name)) problems.push(fail(key?.range?.[0] ?? start, `invalid YAML: the key "${name}" appears twice in one block`, 'each key may appear once per block'));
        seen.add(name);
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    }
  }
  return problems;
}

function findFirstAlias(doc: Document): Node | undefined {
  const queue: unknown[] = [doc.contents];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (isAlias(node)) return node as Node;
    if (isSeq(node)) queue.push(...node.items);
    else if (isMap(node)) for (const pair of node.items) queue.push(pair.value);
  }
  return undefined;
}

function makeSourceMap(doc: Document, lc: LineCounter, file: string): SourceMap {
  return {
    file,
    locate(p, key = false) {
      // Walk down as far as the path exists; report the deepest node found.
      let node: Node | null = doc.contents as Node | null;
      let keyNode: Node | null = null;
      for (const seg of p) {
        if (isAlias(node)) node = (node as Alias).resolve(doc) ?? null;
        if (isMap(node)) {
          const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === seg);
          if (!pair) break;
          keyNode = pair.key as Node;
          node = pair.value as Node;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg] as Node | undefined;
          if (!item) break;
          keyNode = null;
          node = item;
        } else break;
      }
      const target = key && keyNode ? keyNode : node ?? keyNode;
      const offset = target?.range?.[0];
      if (offset === undefined) return {};
      const pos = lc.linePos(offset);
      return { line: pos.line, column: pos.col };
    },
  };
}
