/** The ZooKeeper server process: where its pid file is and how its command line looks. */
import { processProbe } from '../../facts/probes.js';
import type { ResolvedZookeeper } from '../../inventory/resolve.js';

/** zkServer.sh writes it (ZOOPIDFILE = dataDir/zookeeper_server.pid). */
export const zookeeperPidFile = (s: ResolvedZookeeper): string => `${s.dataDir}/zookeeper_server.pid`;
export const zookeeperProcessProbe = (s: ResolvedZookeeper) => processProbe(zookeeperPidFile(s), 'QuorumPeerMain');
