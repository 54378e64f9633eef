/** Typed events the engine emits; renderers (ui/) turn them into progress and tables. */
import type { VerifyCheck } from '../roles/role.js';

export type StepStatus = 'ok' | 'changed' | 'failed' | 'skipped';

export type EngineEvent =
  | { type: 'stage'; stage: 'releases' | 'connect' | 'facts' | 'plan' | 'apply' | 'converge' | 'verify'; role?: string }
  | { type: 'host-connected'; host: string; ms: number }
  | { type: 'host-failed'; host: string; error: string; hint?: string }
  | { type: 'step'; host: string; id: string; title: string; status: StepStatus; detail: string; diff?: string; commands?: string[]; planned?: boolean }
  | { type: 'info'; host?: string; message: string }
  | { type: 'warning'; message: string }
  | { type: 'verify'; check: VerifyCheck };

export type EventSink = (e: EngineEvent) => void;
