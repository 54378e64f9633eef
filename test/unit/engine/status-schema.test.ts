/**
 * test/fixtures/status.schema.json is generated from the zod schema (src/engine/status-schema.ts).
 * Regenerate after a change: UPDATE_SCHEMA=1 npx vitest run test/unit/engine/status-schema.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statusReportJsonSchema } from '../../../src/engine/status-schema.js';
import { host, kafkaService, kafkaSummary, kraftHosts, report, STATUS_SCHEMA_FILE, statusValidator, unreachable, zkModeHosts, zkService } from './status-fixtures.js';

describe('status JSON schema', () => {
  it('test/fixtures/status.schema.json is up to date with the zod source', () => {
    const generated = `${JSON.stringify(statusReportJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA) writeFileSync(STATUS_SCHEMA_FILE, generated);
    expect(readFileSync(STATUS_SCHEMA_FILE, 'utf8')).toBe(generated);
  });

  it('reports of every shape validate against the file', () => {
    const v = statusValidator();
    const degraded = zkModeHosts();
    degraded[1] = host(2, [zkService(2, { state: 'unknown', mode: 'unknown' }), kafkaService(2, { state: 'unknown' })], unreachable);
    const samples = [
      report(zkModeHosts(), kafkaSummary()),
      report(kraftHosts(), kafkaSummary({}, true)),
      report(degraded, kafkaSummary({ reachable: false, via: null, error: 'x', partitions: null, activeController: null })),
      report([host(4, [zkService(1, { state: 'not-installed', mode: 'down' })])], null),
    ];
    for (const s of samples) expect(v.safeParse(s).error).toBeUndefined();
  });

  it('the file rejects what the contract forbids', () => {
    const v = statusValidator();
    const ok = report(zkModeHosts(), kafkaSummary());
    expect(v.safeParse({ ...ok, verdict: 'FINE' }).success).toBe(false);
    expect(v.safeParse({ ...ok, exitCode: 2 }).success).toBe(false);
    const { reasons: _, ...noReasons } = ok;
    expect(v.safeParse(noReasons).success).toBe(false);
    expect(v.safeParse({ ...ok, surprise: 1 }).success).toBe(false);
    const badHost = structuredClone(ok);
    (badHost.hosts[0]!.services[0] as { mode: string }).mode = 'boss';
    expect(v.safeParse(badHost).success).toBe(false);
  });
});
