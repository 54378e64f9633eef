/** The KRaft controller-set gate: the inventory's controllers against the running quorum's voters. */
import { describe, expect, it } from 'vitest';
import { controllerChange } from '../../../../src/roles/kafka/controller-gate.js';

describe('controllerChange', () => {
  it('same set (any order): nothing to refuse', () => {
    expect(controllerChange([3, 1, 2], [1, 2, 3], 'static', '4.4.0')).toBeUndefined();
  });
  it('static quorum, a 4th controller: refused, the hint says what is possible (dynamic quorum on ≥ 4.1)', () => {
    const c = controllerChange([1, 2, 3], [1, 2, 3, 4], 'static', '4.4.0')!;
    expect(c.adding).toEqual([4]);
    expect(c.removing).toEqual([]);
    expect(c.message).toMatch(/would add controller\(s\) 4, but the running KRaft quorum's voters are 1, 2, 3 \(static quorum, Kafka 4\.4\.0\)/);
    expect(c.hint).toMatch(/kraft\.version=1/);
  });
  it('dynamic quorum, one in and one out: refused with the add/remove-controller procedure and the majority to keep', () => {
    const c = controllerChange([1, 2, 3], [1, 2, 5], 'dynamic', '4.4.0')!;
    expect([c.adding, c.removing]).toEqual([[5], [3]]);
    expect(c.hint).toMatch(/--no-initial-controllers[\s\S]*add-controller[\s\S]*remove-controller/);
    expect(c.hint).toMatch(/never fewer than 2 voters/);
  });
});
