/**
 * ZooKeeper health from the host itself: the `srvr` four-letter word sent to
 * 127.0.0.1:clientPort over the existing SSH connection (no JVM start, no port opened
 * to the control node). `zkServer.sh status` asks the same srvr through a JVM client.
 */
import { quote, script } from '../../shell/command.js';
import type { CommandRunner } from '../../shell/command-runner.js';
import type { Probe } from '../../facts/probes.js';

export type ZkMode = 'leader' | 'follower' | 'observer' | 'standalone' | 'read-only' | 'not-serving' | 'down';

export interface SrvrInfo {
  mode: ZkMode;
  version?: string;
  zxid?: string;
  connections?: number;
  outstanding?: number;
  nodeCount?: number;
}

/** Shell that prints the answer of a 4lw command (bash /dev/tcp; no nc needed). */
export function fourLetterWordScript(word: string, port: number): string {
  return `bash -c ${quote(`exec 3<>/dev/tcp/127.0.0.1/${port} && printf ${word} >&3 && timeout 3 cat <&3`)} 2>/dev/null || echo 'zkk: no answer'`;
}

export function parseSrvr(out: string): SrvrInfo {
  if (/zkk: no answer/.test(out) && !/Mode:/.test(out)) return { mode: 'down' };
  if (/not currently serving/i.test(out)) return { mode: 'not-serving' };
  const m = /^Mode:\s*(\S+)/m.exec(out);
  const num = (re: RegExp) => {
    const v = re.exec(out)?.[1];
    return v === undefined ? undefined : Number(v);
  };
  const mode = (m?.[1] ?? 'not-serving') as ZkMode;
  return {
    mode,
    version: /^Zookeeper version:\s*([^,\s-]+)/m.exec(out)?.[1],
    zxid: /^Zxid:\s*(\S+)/m.exec(out)?.[1],
    connections: num(/^Connections:\s*(\d+)/m),
    outstanding: num(/^Outstanding:\s*(\d+)/m),
    nodeCount: num(/^Node count:\s*(\d+)/m),
  };
}

export async function srvr(c: CommandRunner, port: number): Promise<SrvrInfo> {
  const res = await c.exec(script(fourLetterWordScript('srvr', port), 'srvr'), { check: false, timeoutMs: 10_000 });
  return parseSrvr(res.stdout);
}

export const isServing = (m: ZkMode): boolean => m === 'leader' || m === 'follower' || m === 'standalone' || m === 'observer';

/** `mntr` answer → key/value pairs (zk_server_state, zk_synced_followers, …). */
export function parseMntr(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const f = /^(zk_\w+)\s+(.*)$/.exec(line.trim());
    if (f) m.set(f[1]!, f[2]!.trim());
  }
  return m;
}

export interface FourLetterFacts {
  srvr: SrvrInfo;
  /** Only asked on the leader (where zk_synced_followers lives). */
  mntr?: Map<string, string>;
}

/**
 * srvr, then mntr when srvr said leader. They are two connections: a leader that loses
 * its quorum in between (its followers just stopped: it gives up after syncLimit ticks)
 * answers mntr as no longer leading — "not currently serving", no answer, or another
 * zk_server_state. The later answer wins, so a leader is never reported without its
 * follower count (unless mntr is not in 4lw.commands.whitelist: then the count is unknown).
 */
export function parseFourLetterWords(out: string): FourLetterFacts {
  const i = out.indexOf('@@zkk-mntr');
  if (i < 0) return { srvr: parseSrvr(out) };
  const srvr = parseSrvr(out.slice(0, i));
  const mntrText = out.slice(i + '@@zkk-mntr'.length);
  const mntr = parseMntr(mntrText);
  const state = mntr.get('zk_server_state');
  if (state === 'leader' || (state === undefined && /not in the whitelist/.test(mntrText))) return { srvr, mntr };
  const later: ZkMode = state !== undefined ? (ZK_MODES.has(state) ? (state as ZkMode) : 'not-serving') : parseSrvr(mntrText).mode;
  return { srvr: { ...srvr, mode: later } };
}

const ZK_MODES = new Set<string>(['leader', 'follower', 'observer', 'standalone', 'read-only', 'not-serving', 'down']);

/**
 * srvr, and on the leader also mntr, in one probe (so both ride the host's single fact
 * round trip). Each answer is bounded by the 4lw script's own timeout.
 */
export function fourLetterWordsProbe(port: number): Probe<FourLetterFacts> {
  return {
    key: `zookeeper-4lw:${port}`,
    script: [
      `zkk_srvr=$(${fourLetterWordScript('srvr', port)})`,
      `printf '%s\\n' "$zkk_srvr"`,
      `case "$zkk_srvr" in *"Mode: leader"*) echo '@@zkk-mntr'; ${fourLetterWordScript('mntr', port)} ;; esac`,
    ].join('\n'),
    parse: parseFourLetterWords,
  };
}
