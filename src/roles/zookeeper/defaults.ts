/**
 * ZooKeeper role defaults — the one place they live. Each line names the upstream
 * default (zoo_sample.cfg / ZooKeeper admin guide / zkEnv.sh) where zkk differs.
 */
export const zookeeperDefaults = {
  /** Stable 3.8 line (3.9.x also works). */
  version: '3.8.6',
  /** Stable symlink; the release unpacks beside it as <installDir>-<version> (seeds: /usr/local/zookeeper). */
  installDir: '/usr/local/zookeeper',
  /** zoo.cfg, myid-independent config, java.env, logback.xml (upstream: <install>/conf). */
  confDir: '/etc/zookeeper',
  /** Snapshots and myid (upstream sample: /tmp/zookeeper — never use /tmp). */
  dataDir: '/var/lib/zookeeper',
  /** Transaction log dir; unset = dataDir (upstream default). */
  dataLogDir: undefined as string | undefined,
  /** Server logs (upstream: <install>/logs). */
  logDir: '/var/log/zookeeper',
  /** With security.zookeeper.tls, this plaintext port listens on 127.0.0.1 only (four-letter words, zkCli.sh on the host). */
  clientPort: 2181,
  /** With security.zookeeper.tls: the TLS client port (client certificates required) every remote client uses. */
  secureClientPort: 2182,
  /** Followers connect to the leader here (upstream docs: 2888; seeds: 3188). */
  quorumPort: 2888,
  /** Leader election (upstream docs: 3888; seeds: 3288). */
  electionPort: 3888,
  tickTime: 2000,
  initLimit: 10,
  syncLimit: 5,
  maxClientCnxns: 60,
  /** Upstream: autopurge off (purgeInterval 0) — disks fill up. zkk: keep 3 snapshots, purge daily. */
  autopurge: { snapRetainCount: 3, purgeInterval: 24 },
  /** 4lw commands (upstream: only srvr). zkk needs ruok/mntr/conf for health checks. */
  fourLetterWords: ['srvr', 'ruok', 'mntr', 'conf'],
  /** AdminServer (upstream: on, 0.0.0.0:8080 — clashes with anything on 8080). */
  adminServer: { enabled: false, port: 8080 },
  /** With metrics.enabled: metricsProvider.httpPort of the Prometheus metrics provider (upstream's example: 7000). */
  metricsPort: 7000,
  /** ZK_SERVER_HEAP in MB (upstream zkEnv.sh: 1000). */
  heapMb: 1000,
  /** Extra JVM flags (SERVER_JVMFLAGS). */
  jvmFlags: '',
  user: 'zookeeper',
  group: 'zookeeper',
  serviceName: 'zookeeper',
  extraConfig: {} as Record<string, string | number | boolean>,
  /**
   * Dynamic reconfiguration (ZooKeeper ≥ 3.5; upstream: reconfigEnabled=false). true: the
   * membership lives in a dynamic config file ZooKeeper rewrites itself, and scaling runs
   * `reconfig -add/-remove` instead of rolling the existing servers.
   */
  reconfig: false,
};

export type ZookeeperSettings = typeof zookeeperDefaults;
