/**
 * test/fixtures/kafka-wire/*.hex hold answers captured from the lab's real 3.9.2 and 4.4.0
 * brokers: each decodes with nothing left over.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WireReader } from '../../../../src/roles/kafka/wire/codec.js';
import { decodeDescribeQuorumResponse } from '../../../../src/roles/kafka/wire/describe-quorum.js';
import { decodeMetadataResponse } from '../../../../src/roles/kafka/wire/metadata.js';

// Answers captured from real brokers on the lab (see test/fixtures/kafka-wire/README).
const CAPTURED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/kafka-wire');
const captured = existsSync(CAPTURED) ? readdirSync(CAPTURED).filter((f) => f.endsWith('.hex')) : [];

describe.runIf(captured.length > 0)('captured broker answers', () => {
  it.each(captured)('%s decodes', (file) => {
    const m = /^(\d+\.\d+\.\d+)-(metadata|describe-quorum)-v(\d+)\.hex$/.exec(file);
    expect(m, file).not.toBeNull();
    const [, , api, vs] = m!;
    const v = Number(vs);
    const r = new WireReader(Buffer.from(readFileSync(path.join(CAPTURED, file), 'utf8').trim(), 'hex'), api === 'describe-quorum' || v >= 9);
    if (api === 'metadata') {
      const md = decodeMetadataResponse(r, v);
      expect(md.brokers.length).toBe(3);
      expect(md.topics.length).toBeGreaterThan(0);
    } else {
      const q = decodeDescribeQuorumResponse(r, v);
      expect(q.leaderId).toBeGreaterThan(0);
      expect(q.voters.map((x) => x.nodeId).sort()).toEqual([1, 2, 3]);
    }
    expect(r.remaining).toBe(0);
  });
});
