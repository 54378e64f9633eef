/**
 * Security defaults — the one place they live. Security is off when the inventory has no
 * `security:` block; with one, Kafka's client listener is SASL_SSL (SCRAM-SHA-512), brokers
 * talk to each other over SASL_SSL and the KRaft controller listener is SSL (mutual TLS).
 */
export const securityDefaults = {
  tls: {
    /** generate: zkk's own CA beside the inventory; provided: the inventory names the files. */
    mode: 'generate' as 'generate' | 'provided',
    /** Host certificates zkk generates (days). A certificate with less than 30 days left is renewed. */
    validityDays: 825,
    /** The generated CA (days). */
    caValidityDays: 3650,
    /** Host names and addresses added to the host's own (address, name, kafka.advertisedHost). */
    extraSans: [] as string[],
  },
  sasl: {
    mechanism: 'SCRAM-SHA-512' as const,
    /** zkk's admin principal: inter-broker user, super user, zkk's own clients. */
    adminUser: 'zkk-admin',
  },
  /** A PLAINTEXT listener on this port (brokers only), only when set (upstream default: PLAINTEXT everywhere). */
  plaintextPort: undefined as number | undefined,
  /** TLS for ZooKeeper's clients and quorum (the plaintext clientPort stays on 127.0.0.1 for the four-letter words). */
  zookeeper: { tls: true },
};

export type SecurityDefaults = typeof securityDefaults;
