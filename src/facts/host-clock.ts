/**
 * The host's own clock (epoch seconds), read in the same round trip as process facts, so
 * uptimes are computed host-side time minus host-side start time (no clock skew with the
 * control node).
 */
import type { Probe } from './probes.js';

export function hostClockProbe(): Probe<number | undefined> {
  return {
    key: 'host-clock',
    script: 'date +%s',
    parse: (out) => {
      const n = Number(out.trim());
      return out.trim() !== '' && Number.isFinite(n) ? n : undefined;
    },
  };
}
