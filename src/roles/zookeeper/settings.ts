/**
 * The ZooKeeper block of the inventory (top level and per host): its schema with the
 * descriptions the reference and the editor schema show, and the resolved type, derived
 * from the defaults (defaults.ts) rather than written again.
 */
import { z } from 'zod';
import { absolutePathField, accountNameField, extraConfigField, jvmFlagsField, releaseSchema, portField, versionField } from '../../inventory/fields.js';
import type { ReleaseSource } from '../../inventory/merge.js';
import type { ZookeeperSettings } from './defaults.js';

export const zookeeperSchema = z
  .strictObject({
    version: versionField.optional().describe('ZooKeeper version (default 3.8.6)'),
    release: releaseSchema.optional(),
    installDir: absolutePathField.optional().describe('Stable symlink to the versioned install (default /usr/local/zookeeper)'),
    confDir: absolutePathField.optional().describe('zoo.cfg, java.env, logback.xml (default /etc/zookeeper)'),
    dataDir: absolutePathField.optional().describe('Snapshots and myid (default /var/lib/zookeeper)'),
    dataLogDir: absolutePathField.optional().describe('Transaction logs (default: dataDir)'),
    logDir: absolutePathField.optional().describe('Server logs (default /var/log/zookeeper)'),
    clientPort: portField.optional().describe('Client port (default 2181); with security.zookeeper.tls on 127.0.0.1 only'),
    secureClientPort: portField.optional().describe('With security.zookeeper.tls: the TLS client port Kafka and zkk use (default 2182)'),
    quorumPort: portField.optional().describe('Follower-to-leader port (default 2888; the seeds use 3188)'),
    electionPort: portField.optional().describe('Leader election port (default 3888; the seeds use 3288)'),
    tickTime: z.number().int().positive().optional().describe('ms (default 2000)'),
    initLimit: z.number().int().positive().optional().describe('ticks (default 10)'),
    syncLimit: z.number().int().positive().optional().describe('ticks (default 5)'),
    maxClientCnxns: z.number().int().min(0).optional().describe('per client IP (default 60)'),
    autopurge: z
      .strictObject({ snapRetainCount: z.number().int().min(3).optional(), purgeInterval: z.number().int().min(0).optional() })
      .optional()
      .describe('Snapshot purge (default keep 3, every 24 h; 0 = off)'),
    fourLetterWords: z.array(z.string().regex(/^[a-z]{4}$|^\*$/)).optional().describe('4lw.commands.whitelist (default srvr, ruok, mntr, conf)'),
    adminServer: z.strictObject({ enabled: z.boolean().optional(), port: portField.optional() }).optional().describe('Jetty AdminServer (default off)'),
    metricsPort: portField.optional().describe('With metrics.enabled: HTTP port of the Prometheus metrics provider, /metrics on the host address (default 7000)'),
    heapMb: z.number().int().min(64).optional().describe('ZK_SERVER_HEAP in MB (default 1000)'),
    jvmFlags: jvmFlagsField.optional().describe('Extra SERVER_JVMFLAGS: a list of flags, or one string split on spaces'),
    user: accountNameField.optional().describe('Service user (default zookeeper)'),
    group: accountNameField.optional().describe('Service group (default zookeeper)'),
    extraConfig: extraConfigField.optional().describe('Extra zoo.cfg properties, written last'),
    reconfig: z
      .boolean()
      .optional()
      .describe(
        'Dynamic reconfiguration (ZooKeeper 3.5 or newer; default false): reconfigEnabled=true, the membership in a dynamic config file ZooKeeper rewrites itself, scale-out and scale-in by reconfig -add/-remove with no restart of the existing servers. Only for a new ensemble: an ensemble deployed with a static config is refused (see the README for the switch)',
      ),
  })
  .describe('ZooKeeper settings for every zookeeper host (a host may override them)');

export type ZookeeperInput = z.infer<typeof zookeeperSchema>;

export type ResolvedZookeeper = ZookeeperSettings & {
  release: ReleaseSource;
  /** Settled by deploy/plan from the host's myid file (provisional until then: the explicit one or the lowest free). */
  myid: number;
  /** The explicit myid of the inventory, if any. */
  myidAsked?: number;
  /** The quorum and election ports the inventory sets itself (else an adopted hand install's are kept: identities.ts). */
  portsAsked?: { quorumPort?: number; electionPort?: number };
  /** metrics.enabled: the Prometheus metrics provider serves metricsPort. */
  metrics: boolean;
  /** security.zookeeper.tls (security: present): clients on secureClientPort over TLS, the quorum on TLS. */
  tls: boolean;
  /** Settled by deploy/plan: a new server that starts only after the existing ones run the new list (join-order.ts). */
  joinAfterRoll?: boolean;
  /** The host's `leaving: true`: its server leaves the ensemble (not in any server list; stopped after the others run without it, data kept). */
  leaving: boolean;
  /**
   * zookeeper.reconfig, settled by deploy/plan (identities.ts): the membership this server
   * starts from when it has no dynamic file to boot from — the live ensemble plus itself
   * when one runs, else every server of the inventory (reconfig.ts).
   */
  dynamicStart?: import('./reconfig.js').MemberSpec[];
};

declare module '../../inventory/section.js' {
  interface RoleSettingsByKey {
    zookeeper: ResolvedZookeeper;
  }
}
