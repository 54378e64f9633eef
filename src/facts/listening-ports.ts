/**
 * Listening TCP ports of a host, from /proc/net/tcp and /proc/net/tcp6 (present on every
 * Linux, no ss/netstat needed, readable without root).
 */
import type { Probe } from './probes.js';

export function listeningPortsProbe(): Probe<number[]> {
  return {
    key: 'listening-ports',
    // column 2 is local_address (hex ip:port), column 4 the state; 0A = LISTEN
    script: `awk 'FNR > 1 && $4 == "0A" { print $2 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true`,
    parse: parseListeningPorts,
  };
}

/** "0100007F:0885" lines (local address:port in hex) → sorted unique port numbers. */
export function parseListeningPorts(out: string): number[] {
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    const m = /:([0-9A-Fa-f]{4})\s*$/.exec(line.trim());
    if (m) ports.add(parseInt(m[1]!, 16));
  }
  return [...ports].sort((a, b) => a - b);
}
