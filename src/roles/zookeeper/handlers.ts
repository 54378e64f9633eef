/** The ZooKeeper role's handler ids: other roles notify them (e.g. a new JDK restarts the server). */
export const ZOOKEEPER_RESTART = 'zookeeper.restart';
