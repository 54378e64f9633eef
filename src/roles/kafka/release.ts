/** The Kafka release (one Scala build) as the Apache archive lays it out. */
import type { ReleaseSource } from '../../inventory/merge.js';
import type { ReleaseSpec } from '../release-spec.js';

export function kafkaRelease(version: string, scalaVersion: string, source: ReleaseSource): ReleaseSpec {
  return { component: 'kafka', version, archivePath: `kafka/${version}/kafka_${scalaVersion}-${version}.tgz`, source };
}
