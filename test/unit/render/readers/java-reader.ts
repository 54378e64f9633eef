/**
 * Parse rendered properties and XML files back with the real JVM (Java 17 runs a single
 * .java file directly): one `java` process for a whole batch of files.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface ParsedBack {
  file: string;
  error?: string;
  entries: Record<string, string>;
}

export function javaAvailable(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function parseWithJava(files: string[]): Map<string, ParsedBack> {
  const out = new Map<string, ParsedBack>();
  if (files.length === 0) return out;
  const stdout = execFileSync('java', [path.join(__dirname, 'ParseBack.java'), ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const parsed = JSON.parse(line) as ParsedBack;
    out.set(parsed.file, parsed);
  }
  return out;
}
