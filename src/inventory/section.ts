/**
 * What a role contributes to the inventory: its block (`zookeeper:`, `kafka:`, at the top
 * level and per host), the host roles it serves, host-level keys (myid, brokerId), and how
 * its block resolves into the settings of each host, with the rules only it knows. The
 * inventory names no role: the role registry hands the sections to the loader.
 */
import type { z } from 'zod';
import type { HostInput, InventoryInput } from './schema.js';
import type { ReleaseSource } from './merge.js';

/**
 * The resolved settings of each role, by block key. Empty here on purpose: every role adds
 * its entry from its own settings file (TypeScript declaration merging), e.g.
 * `declare module '../../inventory/section.js' { interface RoleSettingsByKey { kafka: ResolvedKafka } }`.
 */
export interface RoleSettingsByKey {}

export interface SectionHostRole {
  name: string;
  /** How the `roles` reference describes it. */
  description: string;
}

export type FieldPath = (string | number)[];

export interface SectionContext {
  input: InventoryInput;
  /** This section's top-level block (schema-valid, undefined when absent). */
  block: unknown;
  /** Hosts that carry any of these roles, in inventory order, with their index in `hosts`. */
  hostsWith(...roles: string[]): { host: HostInput; index: number }[];
  /** defaults < top-level block < this host's block. */
  layered<T extends object>(defaults: T, host: HostInput): T;
  /** metrics.enabled (the core block): whether the role exposes its Prometheus endpoint. */
  metricsEnabled: boolean;
  /** A release block with local paths made absolute and the checksum normalised. */
  release(source: ReleaseSource | undefined): ReleaseSource;
  fail(path: FieldPath, message: string, hint?: string): void;
  warn(message: string): void;
}

export interface PortClaim {
  port: number;
  /** The key that claims it, e.g. zookeeper.clientPort. */
  what: string;
}

export interface HostDirectories {
  /** Where the service keeps its data (each with its key, e.g. kafka.logDirs[0]). */
  data: { path: string; what: string }[];
  /** Install symlinks (replaced on upgrade; versions unpack beside them). */
  install: { path: string; what: string }[];
}

export interface InventorySection<Settings = unknown> {
  /** The block key, top level and per host. */
  key: string;
  hostRoles: readonly SectionHostRole[];
  schema: z.ZodObject;
  /** Keys this role adds to every host entry (after `roles`). */
  hostFields?: z.ZodRawShape;
  /** The settings of every host this role applies to, by host index; problems through ctx.fail. */
  resolve(ctx: SectionContext): Map<number, Settings>;
  /** Ports the service listens on, for the clash check. */
  ports?(settings: Settings): PortClaim[];
  /** Directories on the host, for the overlap check: data must survive reboots and upgrades. */
  directories?(settings: Settings): HostDirectories;
  /** The lowest Java feature version these settings need, when more than zkk's default. */
  javaMinVersion?(settings: Settings): number | undefined;
}
