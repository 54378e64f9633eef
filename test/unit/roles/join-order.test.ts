/** New servers never outvote the servers holding the data: at most quorum − 1 of them run before the roll. */
import { describe, expect, it } from 'vitest';
import { joinAfterRoll } from '../../../src/roles/zookeeper/join-order.js';

const m = (name: string, holdsData: boolean, running = holdsData) => ({ name, holdsData, running });

describe('joinAfterRoll', () => {
  it('a fresh ensemble: everyone starts at once', () => {
    expect([...joinAfterRoll([m('a', false), m('b', false), m('c', false)])]).toEqual([]);
  });
  it('3 → 5: two new servers are no quorum of 5 (3): both start first', () => {
    expect([...joinAfterRoll([m('a', true), m('b', true), m('c', true), m('d', false), m('e', false)])]).toEqual([]);
  });
  it('1 → 3: one new server first, the other after the roll', () => {
    expect([...joinAfterRoll([m('a', true), m('b', false), m('c', false)])]).toEqual(['c']);
  });
  it('1 → 5: two first, two after', () => {
    expect([...joinAfterRoll([m('a', true), m('b', false), m('c', false), m('d', false), m('e', false)])]).toEqual(['d', 'e']);
  });
  it('a rerun after an interrupted 1 → 3: the empty server already running counts, the other still waits', () => {
    expect([...joinAfterRoll([m('a', true), m('b', false, true), m('c', false)])]).toEqual(['c']);
  });
});
