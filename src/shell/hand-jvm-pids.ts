/**
 * Shell: the pids of a service's JVMs started by hand from `dir` (a seed-post install), one per
 * line — java processes whose command line names `mainClassCase` (a `case` pattern, e.g.
 * `*QuorumPeerMain*`) and runs from under `dir`, leaving out zombies and the pid in zkk's own pid
 * file. Used by ZooKeeper's and Kafka's take-over of hand-built installs.
 */
import { quote } from './command.js';

export const handJvmPidsScript = (dir: string, zkkPidFile: string, mainClassCase: string): string =>
  [
    `z=$(cat ${quote(zkkPidFile)} 2>/dev/null | tr -dc 0-9)`,
    'for p in /proc/[0-9]*; do',
    // a JVM (not this shell, whose own command line holds the same words)
    '  [ "$(cat "$p/comm" 2>/dev/null)" = java ] || continue',
    '  c=$(tr \'\\0\' \' \' < "$p/cmdline" 2>/dev/null) || continue',
    `  case "$c" in ${mainClassCase}) ;; *) continue ;; esac`,
    `  case "$c" in *${quote(`${dir}/`)}*) ;; *) continue ;; esac`,
    '  grep -q \'^State:.*Z\' "$p/status" 2>/dev/null && continue',
    '  [ "${p#/proc/}" = "$z" ] && continue',
    '  echo "${p#/proc/}"',
    'done',
  ].join('\n');
