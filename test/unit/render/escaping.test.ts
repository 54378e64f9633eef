/**
 * Every escaper, round-tripped through the reader of its format: the value that comes
 * back is exactly the value that went in, or the escaper refuses with a named error.
 */
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../../src/render/shell-word.js';
import { unitCommandArgument, unitCommandProgram, unitEnvironmentAssignment, unitSettingValue } from '../../../src/render/systemd-value.js';
import { propertyKey, propertyValue } from '../../../src/render/java-properties.js';
import { xmlText } from '../../../src/render/xml-text.js';
import { commentText, wholeNumber } from '../../../src/render/plain-text.js';
import { jvmOptionTokens, jvmOptionsValue } from '../../../src/render/jvm-options.js';
import { UnsafeValueError } from '../../../src/render/unsafe-value-error.js';
import { nastyStrings } from './nasty-strings.js';
import { POSIX_SHELLS, runAndDump } from './readers/shell-runner.js';
import { readProperties } from './readers/properties-reader.js';
import { javaAvailable, parseWithJava } from './readers/java-reader.js';
import { commandLineWords, environmentAssignments, literalSetting, readUnitFile } from './readers/systemd-unit-reader.js';

const sandbox = mkdtempSync(path.join(tmpdir(), 'zkk-escape-'));
const marker = path.join(sandbox, 'MARKER');
const values = nastyStrings(marker);

describe('shell words', () => {
  it('plain words stay bare, everything else is single-quoted', () => {
    expect(shellWord('/var/lib/zookeeper')).toBe('/var/lib/zookeeper');
    expect(shellWord(2181)).toBe('2181');
    expect(shellWord('')).toBe("''");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('$(id)')).toBe("'$(id)'");
  });
  it.each(POSIX_SHELLS)('%s assigns every value exactly and runs none of them', (shell) => {
    const script = values.map((v, i) => `V${i}=${shellWord(v)}`).join('\n');
    const got = runAndDump(shell, script, values.map((_, i) => `V${i}`), sandbox);
    expect(got.stderr).toBe('');
    values.forEach((v, i) => expect(got.values[`V${i}`]).toBe(v));
    expect(existsSync(marker)).toBe(false);
  });
  it('refuses a NUL byte and non-scalars', () => {
    expect(() => shellWord('a\0b')).toThrow(UnsafeValueError);
    expect(() => shellWord(undefined)).toThrow(/expected a string/);
    expect(() => shellWord(['a'])).toThrow(/an array/);
    expect(() => shellWord('\uD800')).toThrow(/surrogate/);
  });
});

describe('Java properties', () => {
  const keys = values.filter((v) => v !== '');
  const text = keys.map((v, i) => `${propertyKey(v)}=${propertyValue(values[(i + 7) % values.length])}`).join('\n') + '\n';
  const expected = new Map(keys.map((v, i) => [v, values[(i + 7) % values.length]!]));
  it('plain keys and values are unchanged; = : # ! stay plain inside a value', () => {
    expect(propertyValue('PLAINTEXT://10.213.0.11:9092')).toBe('PLAINTEXT://10.213.0.11:9092');
    expect(propertyValue('#x!y=z')).toBe('#x!y=z');
    expect(propertyKey('log.retention.hours')).toBe('log.retention.hours');
    expect(propertyKey('a=b:c d#!')).toBe('a\\=b\\:c\\ d\\#\\!');
    expect(propertyValue(' lead')).toBe('\\ lead');
    expect(propertyValue('a\nb=c')).toBe('a\\nb=c');
    expect(propertyValue('ü😀')).toBe('\\u00FC\\uD83D\\uDE00');
    expect(propertyValue(true)).toBe('true');
  });
  it('the output is printable ASCII on one line per property', () => {
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(text.trimEnd().split('\n')).toHaveLength(keys.length);
  });
  it('a properties reader gets every key and value back', () => {
    expect(readProperties(text)).toEqual(expected);
  });
  it.runIf(javaAvailable())('java.util.Properties gets every key and value back', () => {
    const file = path.join(sandbox, 'nasty.properties');
    writeFileSync(file, text);
    const parsed = parseWithJava([file]).get(file)!;
    expect(parsed.error).toBeUndefined();
    expect(new Map(Object.entries(parsed.entries))).toEqual(expected);
  });
  it('refuses an empty key', () => expect(() => propertyKey('')).toThrow(UnsafeValueError));
});

describe('systemd', () => {
  const wordy = values.filter((v) => !v.includes('\0'));
  it('plain values stay bare', () => {
    expect(unitCommandArgument('/etc/zookeeper')).toBe('/etc/zookeeper');
    expect(unitEnvironmentAssignment('ZOO_LOG_DIR', '/var/log/zookeeper')).toBe('ZOO_LOG_DIR=/var/log/zookeeper');
    expect(unitEnvironmentAssignment('KAFKA_OPTS', '-Xss1m -Dx=1')).toBe('"KAFKA_OPTS=-Xss1m -Dx=1"');
    expect(unitSettingValue('zookeeper')).toBe('zookeeper');
  });
  it('command arguments come back word for word, nothing expanded', () => {
    const line = ['/bin/true', ...wordy].map((v, i) => (i === 0 ? unitCommandProgram(v) : unitCommandArgument(v))).join(' ');
    const { words, expansions } = commandLineWords(readUnitFile(`[Service]\nExecStart=${line}\n`)[0]!.value);
    expect(expansions).toEqual([]);
    expect(words).toEqual(['/bin/true', ...wordy]);
  });
  it('environment assignments come back exactly, nothing expanded', () => {
    const line = wordy.map((v, i) => unitEnvironmentAssignment(`V${i}`, v)).join(' ');
    const settings = readUnitFile(`[Service]\nEnvironment=${line}\n`);
    expect(settings).toHaveLength(1);
    const { vars, expansions } = environmentAssignments(settings[0]!.value);
    expect(expansions).toEqual([]);
    expect([...vars.values()]).toEqual(wordy);
  });
  it('literal settings: % doubled, control characters and line tricks refused', () => {
    for (const v of values) {
      let written: string;
      try {
        written = unitSettingValue(v);
      } catch (e) {
        expect(e).toBeInstanceOf(UnsafeValueError);
        expect(v === '' || /[\x00-\x1f\x7f]|^\s|\s$|\\$/.test(v)).toBe(true);
        continue;
      }
      const settings = readUnitFile(`[Service]\nPIDFile=${written}\n`);
      expect(settings).toHaveLength(1);
      expect(literalSetting(settings[0]!.value)).toEqual({ value: v, expansions: [] });
    }
  });
  it('a program must be an absolute path (no prefix such as + or - can be smuggled in)', () => {
    expect(() => unitCommandProgram('+/bin/sh')).toThrow(/absolute path/);
    expect(() => unitCommandProgram('-/bin/sh')).toThrow(/absolute path/);
    expect(() => unitEnvironmentAssignment('A B', 'x')).toThrow(/variable name/);
  });
});

describe('XML', () => {
  it.runIf(javaAvailable())('attribute values parse back exactly (or are refused)', () => {
    const ok = values.filter((v) => !/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(v));
    expect(values.length - ok.length).toBeGreaterThan(0);
    for (const v of values.filter((x) => !ok.includes(x))) expect(() => xmlText(v)).toThrow(UnsafeValueError);
    const file = path.join(sandbox, 'nasty.xml');
    writeFileSync(file, `<configuration>\n${ok.map((v, i) => `  <property name="p${i}" value="${xmlText(v)}" />`).join('\n')}\n</configuration>\n`);
    const parsed = parseWithJava([file]).get(file)!;
    expect(parsed.error).toBeUndefined();
    expect(ok.map((_, i) => parsed.entries[`p${i}`])).toEqual(ok);
  });
});

describe('comments, numbers, jvm flags', () => {
  it('a comment never holds a line break', () => {
    expect(commentText('cluster seeds')).toBe('cluster seeds');
    for (const v of ['a\nb', 'a\rb', 'a\u2028b', 'a\x00b']) expect(() => commentText(v)).toThrow(UnsafeValueError);
  });
  it('numbers are whole numbers only', () => {
    expect(wholeNumber(1200)).toBe('1200');
    for (const v of [1.5, Number.NaN, 1e308, '12', '1; id']) expect(() => wholeNumber(v)).toThrow(UnsafeValueError);
  });
  it('jvmFlags: a string is split on white space, a list is kept, a token with white space is refused', () => {
    expect(jvmOptionTokens('  -Xss1m\t-Dfoo=bar \n')).toEqual(['-Xss1m', '-Dfoo=bar']);
    expect(jvmOptionTokens(['-Xss1m', '-Da=$(id)'])).toEqual(['-Xss1m', '-Da=$(id)']);
    expect(jvmOptionsValue(undefined)).toBe('');
    expect(() => jvmOptionTokens(['-Da=b c'])).toThrow(UnsafeValueError);
    expect(() => jvmOptionTokens([''])).toThrow(UnsafeValueError);
    expect(() => jvmOptionTokens(['-Da=\x01'])).toThrow(UnsafeValueError);
  });
});
