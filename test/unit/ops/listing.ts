/** Test helpers: an outcome as what plan shows of it (status, summary/reason, the listed commands). */
import { actionListing } from '../../../src/ops/action-listing.js';
import type { Outcome } from '../../../src/ops/operation.js';

export interface Shown {
  kind: Outcome['kind'];
  text: string;
  commands: string[];
}

export function shown(o: Outcome): Shown {
  if (o.kind === 'ok') return { kind: 'ok', text: o.reason, commands: [] };
  if (o.kind === 'blocked') return { kind: 'blocked', text: o.reason, commands: [] };
  return { kind: 'change', text: o.summary, commands: o.actions.map(actionListing) };
}
