/** A release a role needs on its hosts; the engine obtains it once on the control node. */
import type { ReleaseSource } from '../inventory/merge.js';

export interface ReleaseSpec {
  /** The role's release name (zookeeper, kafka, java); the key of HostContext.releases. */
  component: string;
  version: string;
  scalaVersion?: string;
  source: ReleaseSource;
}
