/**
 * The preflight's host-to-host reach test at scale: who tries whose ports (a full mesh up to
 * REACH_FULL_MESH_MAX hosts, REACH_WITNESSES spread peers beyond), and the probe script's second
 * try of a connect that got no answer (run in bash here, with `timeout` replaced by a stand-in
 * that answers 124 the first time: a loaded host's slow process start, not a firewall).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REACH_FULL_MESH_MAX, REACH_WITNESSES, reachWitnesses } from '../../../src/engine/doctor/preflight-probes.js';
import { TCP_CONNECT_TIMEOUT_S, TCP_RETRY_TIMEOUT_S, tcpReachProbe } from '../../../src/facts/preflight-probes.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `h${i + 1}`, address: `10.213.0.${11 + i}` }));

describe('reach witnesses', () => {
  it('up to the full-mesh size every other host tries every host', () => {
    const hs = hosts(REACH_FULL_MESH_MAX);
    for (let t = 0; t < hs.length; t++) expect(reachWitnesses(hs, t)).toEqual(hs.map((_, i) => i).filter((i) => i !== t));
    // a host sharing the target's address never counts as a witness
    const shared = [...hosts(3), { name: 'h1-again', address: '10.213.0.11' }];
    expect(reachWitnesses(shared, 0)).toEqual([1, 2]);
  });

  it('beyond it: REACH_WITNESSES distinct peers per host, spread over the inventory, each host a witness about as often', () => {
    for (const n of [REACH_FULL_MESH_MAX + 1, 50, 500]) {
      const hs = hosts(n);
      const load = new Array<number>(n).fill(0);
      for (let t = 0; t < n; t++) {
        const w = reachWitnesses(hs, t);
        expect(w).toHaveLength(REACH_WITNESSES);
        expect(new Set(w).size).toBe(REACH_WITNESSES);
        expect(w).not.toContain(t);
        for (const i of w) load[i]! += 1;
      }
      expect(Math.max(...load)).toBe(REACH_WITNESSES);
      expect(Math.min(...load)).toBe(REACH_WITNESSES);
    }
    // 50 hosts with 5 ZooKeeper servers listed first: h1's ports are tried by brokers too, not only by h2..h4
    expect(reachWitnesses(hosts(50), 0)).toEqual([12, 24, 36]);
  });
});

describe('the connect probe script', () => {
  it('a connect without an answer is tried once more with the longer timeout; two silences are "filtered"', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-reach-'));
    try {
      // timeout SECONDS bash -c SCRIPT ADDRESS PORT: port 1001 is silent on the first try only, 1002 always
      writeFileSync(
        path.join(dir, 'timeout'),
        [
          '#!/bin/bash',
          'echo "$1 $6" >> "$(dirname "$0")/calls"',
          'if [ "$6" = 1002 ] || { [ "$6" = 1001 ] && [ "$1" = ' + TCP_CONNECT_TIMEOUT_S + ' ]; }; then exit 124; fi',
          'if [ "$6" = 1001 ]; then echo "bash: connect: Connection refused" >&2; exit 1; fi',
          'exit 0',
        ].join('\n'),
      );
      chmodSync(path.join(dir, 'timeout'), 0o755);
      const p = tcpReachProbe([1000, 1001, 1002].map((port) => ({ address: '10.213.0.12', port })));
      const out = execFileSync('bash', ['-c', p.script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }).toString();
      const fact = p.parse(out);
      expect(fact.results.map((r) => `${r.port} ${r.result}`).sort()).toEqual(['1000 open', '1001 refused', '1002 filtered']);
      const calls = execFileSync('sort', [path.join(dir, 'calls')]).toString().trim().split('\n');
      expect(calls).toEqual([`${TCP_CONNECT_TIMEOUT_S} 1000`, `${TCP_CONNECT_TIMEOUT_S} 1001`, `${TCP_CONNECT_TIMEOUT_S} 1002`, `${TCP_RETRY_TIMEOUT_S} 1001`, `${TCP_RETRY_TIMEOUT_S} 1002`].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
