/** A release a role needs on its hosts; the engine obtains it once on the control node. */
import type { ReleaseSource } from '../inventory/merge.js';

export interface ReleaseSpec {
  /** The role's release name (zookeeper, kafka, java); the key of HostContext.releases. */
  component: string;
  version: string;
  /**
   * Where the tarball sits under an Apache-archive-style base URL or mirror directory
   * (e.g. kafka/3.9.2/kafka_2.13-3.9.2.tgz); its .sha512 sits beside it. The role knows
   * its own layout: the engine only joins it to the base.
   */
  archivePath: string;
  source: ReleaseSource;
}
