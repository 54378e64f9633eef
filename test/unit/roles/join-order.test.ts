/** Servers outside the live ensemble never outvote the servers holding the data: at most quorum − 1 of them run before the roll. */
import { describe, expect, it } from 'vitest';
import { joinAfterRoll } from '../../../src/roles/zookeeper/join-order.js';

/** A server: whether it holds data, runs, serves (by default: runs and serves when it holds data). */
const m = (name: string, holdsData: boolean, running = holdsData, serving = running && holdsData) => ({ name, holdsData, running, serving });
const held = (...members: ReturnType<typeof m>[]) => [...joinAfterRoll(members)];

describe('joinAfterRoll', () => {
  it('a fresh ensemble: everyone starts at once', () => {
    expect(held(m('a', false), m('b', false), m('c', false))).toEqual([]);
  });
  it('3 → 5: two new servers are no quorum of 5 (3): both start first', () => {
    expect(held(m('a', true), m('b', true), m('c', true), m('d', false), m('e', false))).toEqual([]);
  });
  it('1 → 3: one new server first, the other after the roll', () => {
    expect(held(m('a', true), m('b', false), m('c', false))).toEqual(['c']);
  });
  it('1 → 5: two first, two after', () => {
    expect(held(m('a', true), m('b', false), m('c', false), m('d', false), m('e', false))).toEqual(['d', 'e']);
  });
  it('a rerun after an interrupted 1 → 3: the new server already running (looking, not serving) counts, the other still waits', () => {
    expect(held(m('a', true), m('b', false, true), m('c', false))).toEqual(['c']);
  });
  it('the same rerun once the looking server wrote data of its own: it still does not serve, so the other still waits', () => {
    expect(held(m('a', true), m('b', true, true, false), m('c', false))).toEqual(['c']);
  });
  it('1 → 3 onto hosts holding stale data (an earlier ensemble): no votes of the live data, the second still waits', () => {
    expect(held(m('a', true), m('b', true, false), m('c', true, false))).toEqual(['c']);
  });
  it('a stopped member of a live 3-ensemble starts again at once (one is no quorum of 3)', () => {
    expect(held(m('a', true), m('b', true), m('c', true, false))).toEqual([]);
  });
  it('a whole ensemble stopped: every server holding data starts (the data on disk is all there is)', () => {
    expect(held(m('a', true, false), m('b', true, false), m('c', true, false))).toEqual([]);
  });
  it('1 → 3 with the standalone server stopped: it and one new server start, the other after', () => {
    expect(held(m('a', true, false), m('b', false), m('c', false))).toEqual(['c']);
  });
});
