/**
 * What a role needs from a host before it is deployed there, for `zkk doctor` and the
 * deploy's preflight (src/engine/doctor): the ports its service will listen on (and how to
 * recognise its own process holding one), its data directories, the service user and the
 * open-file limit it wants, the Java feature version it needs and the names other hosts
 * and clients will use for it. Pure: inventory in, requirements out.
 */
import type { Inventory, ResolvedHost } from '../inventory/resolve.js';

export interface PreflightPort {
  port: number;
  /** The inventory setting that chooses it, e.g. "zookeeper.clientPort" (for the fix). */
  setting: string;
  /** A string in the command line of the role's own process (a port it holds is fine). */
  processMarker: string;
}

export interface PreflightNeeds {
  /** "zookeeper 3.8.0", "kafka 4.4.0": how the checks name the component. */
  component: string;
  ports: PreflightPort[];
  dataDirs: { path: string; setting: string }[];
  user: string;
  /** Open files the service should be allowed (what its systemd unit sets as LimitNOFILE). */
  nofile: number;
  /** Lowest Java feature version the component runs on. */
  javaMin: number;
  /** Names or addresses others reach this host's service by (address, advertised name). */
  names: string[];
}

export interface RolePreflight {
  needs(inv: Inventory, host: ResolvedHost): PreflightNeeds | undefined;
}
