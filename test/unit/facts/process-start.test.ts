/**
 * The stale-config check must be exact: a process started within the same second as its
 * config write is current (no restart on a no-op), a file written after the start is not.
 * Parsers on captured outputs, the rule on facts, then the real probe scripts in a real
 * shell on this machine (the same scripts run over SSH: test/e2e/status.test.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePathFact, pathProbe, processProbe, type PathFact, type ProcessFact } from '../../../src/facts/probes.js';
import { START_MARK_WINDOW_SEC, startMark, writtenAfterStart } from '../../../src/facts/process-start.js';
import { ensureProcessCurrent, serviceCommand } from '../../../src/ops/service.js';

const sh = (script: string) => execFileSync('/bin/sh', ['-c', script]).toString();

describe('process start vs config writes', () => {
  it('parses sub-second mtimes and the pid file mark', () => {
    expect(parsePathFact('file root root 644 3 1764100001 2025-11-25 19:46:41.123456789 +0000 ab')).toMatchObject({ kind: 'file', mtime: 1764100001.123456789 });
    expect(parsePathFact('link 1764100001.5 /opt/zookeeper-3.8.0')).toEqual({ kind: 'link', mtime: 1764100001.5, target: '/opt/zookeeper-3.8.0' });
    expect(processProbe('/p', 'X').parse('running 4242 1764100000 1764100001.250000000\n')).toEqual({ running: true, pid: 4242, startedAt: 1764100000, pidFileMtime: 1764100001.25 });
    // a start that wrote no pid file (or a stat without it): no mark
    expect(processProbe('/p', 'X').parse('running 4242 1764100000 \n')).toEqual({ running: true, pid: 4242, startedAt: 1764100000 });
  });

  it('the bench case: config written 0.4 s before the start, btime rounding makes the start look 1.5 s early', () => {
    // true start 1764100001.5; btime (…000.6 really) rounded down → startedAt 1764100000
    const proc: ProcessFact = { running: true, pid: 7, startedAt: 1764100000, pidFileMtime: 1764100001.52 };
    expect(writtenAfterStart(proc, 1764100001.1)).toBe(false); // the old whole-second check said 1764100001 > 1764100000
    expect(writtenAfterStart(proc, 1764100001.52)).toBe(false); // same clock tick: not newer
    expect(writtenAfterStart(proc, 1764100001.53)).toBe(true);
    expect(writtenAfterStart(proc, 1764100030)).toBe(true);
  });

  it('a pid file that is not the start\'s mark is not trusted: the coarse start with its error margin', () => {
    const late: ProcessFact = { running: true, pid: 7, startedAt: 1764100000, pidFileMtime: 1764100000 + START_MARK_WINDOW_SEC + 60 };
    expect(startMark(late)).toBeUndefined();
    const early: ProcessFact = { running: true, pid: 7, startedAt: 1764100000, pidFileMtime: 1764090000 };
    expect(startMark(early)).toBeUndefined();
    for (const proc of [late, early, { running: true, pid: 7, startedAt: 1764100000 }]) {
      expect(writtenAfterStart(proc, 1764100001.9)).toBe(false); // within the 2 s the coarse start may be early
      expect(writtenAfterStart(proc, 1764100002)).toBe(true);
    }
    expect(writtenAfterStart({ running: false }, 1764100005)).toBe(false);
  });

  it('ensureProcessCurrent uses it', () => {
    const proc: ProcessFact = { running: true, pid: 7, startedAt: 1764100000, pidFileMtime: 1764100001.52 };
    const file = (mtime: number): PathFact => ({ kind: 'file', owner: 'root', group: 'root', mode: '0644', size: 1, mtime, sha256: 'x' });
    const restart = { handler: 'x.restart', command: serviceCommand('sysv', 'x', 'restart') };
    expect(ensureProcessCurrent(proc, [{ path: '/c', fact: file(1764100001.1) }], 'X', restart).kind).toBe('ok');
    expect(ensureProcessCurrent(proc, [{ path: '/c', fact: file(1764100009) }], 'X', restart).kind).toBe('change');
  });

  describe('the real probe scripts in a shell on this machine', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-process-start-'));
    const children: number[] = [];
    afterAll(() => {
      for (const pid of children) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    /** Write the config, then start a fake service that writes its pid file as the init scripts do. */
    function startRightAfterWrite(i: number): { conf: string; pidFile: string } {
      const conf = path.join(dir, `svc-${i}.conf`);
      const pidFile = path.join(dir, `svc-${i}.pid`);
      writeFileSync(conf, `n=${i}\n`);
      const child = spawn('/bin/sh', ['-c', 'echo $$ > "$1"; exec sleep 300', 'sh', pidFile], { stdio: 'ignore', detached: true });
      children.push(child.pid!);
      return { conf, pidFile };
    }

    const probe = (conf: string, pidFile: string) => {
      const proc = processProbe(pidFile, 'sleep 300');
      const file = pathProbe(conf);
      return { proc: proc.parse(sh(proc.script)), conf: file.parse(sh(file.script)) as PathFact & { mtime: number } };
    };

    it('a process started within the same second as its config write is current; a later write is not', async () => {
      const started = Array.from({ length: 20 }, (_, i) => startRightAfterWrite(i));
      await new Promise((r) => setTimeout(r, 300)); // every pid file written
      let sameSecond = 0;
      for (const { conf, pidFile } of started) {
        const { proc, conf: c } = probe(conf, pidFile);
        expect(proc).toMatchObject({ running: true });
        expect(proc.pidFileMtime).toBeDefined();
        expect(c.mtime % 1).not.toBe(0); // sub-second (all file systems here have ns times)
        if (Math.floor(c.mtime) === Math.floor(proc.pidFileMtime!)) sameSecond++;
        expect(writtenAfterStart(proc, c.mtime)).toBe(false);
      }
      expect(sameSecond).toBeGreaterThan(0);
      // now change a config file after its process started
      const { conf, pidFile } = started[0]!;
      writeFileSync(conf, 'n=changed\n');
      const after = probe(conf, pidFile);
      expect(writtenAfterStart(after.proc, after.conf.mtime)).toBe(true);
      // an mtime set back to before the start (e.g. restored from a backup) is not newer
      const back = (after.proc.pidFileMtime! - 5) as number;
      utimesSync(conf, back, back);
      const restored = probe(conf, pidFile);
      expect(writtenAfterStart(restored.proc, restored.conf.mtime)).toBe(false);
    });
  });
});
