/** The ZooKeeper release as the Apache archive lays it out. */
import type { ReleaseSource } from '../../inventory/merge.js';
import type { ReleaseSpec } from '../release-spec.js';

export function zookeeperRelease(version: string, source: ReleaseSource): ReleaseSpec {
  return { component: 'zookeeper', version, archivePath: `zookeeper/zookeeper-${version}/apache-zookeeper-${version}-bin.tar.gz`, source };
}
