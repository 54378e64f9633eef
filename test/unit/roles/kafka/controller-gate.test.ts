/** The KRaft controller-set gate: the inventory's controllers against the running quorum's voters. */
import { describe, expect, it } from 'vitest';
import { controllerChange } from '../../../../src/roles/kafka/controller-gate.js';

describe('controllerChange', () => {
  it('same set (any order): nothing to refuse', () => {
    expect(controllerChange([3, 1, 2], [1, 2, 3], 'static', '4.4.0')).toBeUndefined();
  });
  it('static quorum, a 4th controller: refused, the hint says what is possible (dynamic quorum; kraft.version=1 by hand on ≥ 4.1)', () => {
    const c = controllerChange([1, 2, 3], [1, 2, 3, 4], 'static', '4.4.0')!;
    expect(c.adding).toEqual([4]);
    expect(c.removing).toEqual([]);
    expect(c.message).toMatch(/would add controller\(s\) 4, but the running KRaft quorum's voters are 1, 2, 3 \(static quorum: controller\.quorum\.voters, Kafka 4\.4\.0\)/);
    expect(c.hint).toMatch(/kraft\.version=1/);
    expect(c.hint).toMatch(/quorum: dynamic/);
  });
  it('dynamic quorum, controllers added: deploy adds them (no refusal)', () => {
    expect(controllerChange([1, 2, 3], [1, 2, 3, 7], 'dynamic', '4.4.0')).toBeUndefined();
    expect(controllerChange([1, 2, 3], [1, 2, 3, 7, 8], 'dynamic', '4.4.0')).toBeUndefined();
  });
  it('dynamic quorum, a voter lost its host line: refused, the way out is zkk decommission', () => {
    const c = controllerChange([1, 2, 3], [1, 2], 'dynamic', '4.4.0')!;
    expect(c.removing).toEqual([3]);
    expect(c.message).toMatch(/no host for controller\(s\) 3, still voter\(s\) of the running KRaft quorum \(voters 1, 2, 3, dynamic quorum/);
    expect(c.hint).toMatch(/zkk decommission <inventory> <host>.*RemoveRaftVoter/);
  });
  it('dynamic quorum, one in and one out: refused, one membership change at a time', () => {
    const c = controllerChange([1, 2, 3], [1, 2, 5], 'dynamic', '4.4.0')!;
    expect([c.adding, c.removing]).toEqual([[5], [3]]);
    expect(c.hint).toMatch(/One membership change at a time: the new controller\(s\) 5/);
  });
});
