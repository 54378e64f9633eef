/** What a ZooKeeper server needs from its host (see roles/preflight.ts). */
import type { RolePreflight } from '../preflight.js';

/** ZooKeeper 3.5-3.9 run on Java 8+. */
const ZOOKEEPER_JAVA_MIN = 8;
/** As LimitNOFILE in templates/zookeeper/zookeeper.service.hbs. */
const ZOOKEEPER_NOFILE = 65536;
const MARKER = 'QuorumPeerMain';

export const zookeeperPreflight: RolePreflight = {
  needs(_inv, host) {
    const zk = host.zookeeper;
    if (!zk) return undefined;
    return {
      component: `zookeeper ${zk.version}`,
      ports: [
        { port: zk.clientPort, setting: 'zookeeper.clientPort', processMarker: MARKER },
        ...(zk.tls ? [{ port: zk.secureClientPort, setting: 'zookeeper.secureClientPort', processMarker: MARKER }] : []),
        { port: zk.quorumPort, setting: 'zookeeper.quorumPort', processMarker: MARKER },
        { port: zk.electionPort, setting: 'zookeeper.electionPort', processMarker: MARKER },
        ...(zk.adminServer.enabled ? [{ port: zk.adminServer.port, setting: 'zookeeper.adminServer.port', processMarker: MARKER }] : []),
        ...(zk.metrics ? [{ port: zk.metricsPort, setting: 'zookeeper.metricsPort', processMarker: MARKER }] : []),
      ],
      dataDirs: [
        { path: zk.dataDir, setting: 'zookeeper.dataDir' },
        ...(zk.dataLogDir && zk.dataLogDir !== zk.dataDir ? [{ path: zk.dataLogDir, setting: 'zookeeper.dataLogDir' }] : []),
      ],
      user: zk.user,
      nofile: ZOOKEEPER_NOFILE,
      javaMin: ZOOKEEPER_JAVA_MIN,
      names: [host.address],
    };
  },
};
