/** The `security:` block: TLS certificates (generated or provided) and SASL/SCRAM for Kafka. */
import { z } from 'zod';
import { addressField, localPathField, portField } from '../../inventory/fields.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A secret is never written in the inventory: it is read from a file or an environment variable. */
export const secretSourceField = z
  .strictObject({
    file: localPathField.optional().describe('A file on the control node holding the secret (one line; relative to the inventory)'),
    env: z.string().regex(ENV_NAME, 'an environment variable name').optional().describe('An environment variable of the zkk process holding the secret'),
  })
  .refine((s) => (s.file === undefined) !== (s.env === undefined), 'give exactly one of file or env')
  .describe('Where a secret comes from (never the inventory text itself)');

export type SecretSource = z.infer<typeof secretSourceField>;

export const securitySchema = z
  .strictObject({
    tls: z
      .strictObject({
        mode: z.enum(['generate', 'provided']).optional().describe('generate (default): a per-cluster CA and per-host certificates, kept beside the inventory in <cluster>.tls/; provided: the files named by ca, cert and key'),
        ca: localPathField.optional().describe('provided: the CA certificate (PEM) on the control node that signed every host certificate'),
        cert: localPathField.optional().describe('provided, per host: the host certificate (PEM) on the control node'),
        key: localPathField.optional().describe('provided, per host: the host private key (PEM, PKCS#8, unencrypted) on the control node'),
        validityDays: z.number().int().min(2).max(3650).optional().describe('generate: validity of host certificates in days (default 825)'),
        caValidityDays: z.number().int().min(2).max(36500).optional().describe('generate: validity of the CA in days (default 3650)'),
        extraSans: z.array(addressField).optional().describe('generate: more names/addresses for the host certificate (default: the host address, its name and kafka.advertisedHost)'),
      })
      .optional()
      .describe('TLS for every Kafka listener'),
    sasl: z
      .strictObject({
        mechanism: z.literal('SCRAM-SHA-512').optional().describe('SASL mechanism (SCRAM-SHA-512, the only one)'),
        adminUser: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'letters, digits and _ . @ - (at most 64)').optional().describe("zkk's admin principal: the inter-broker user, a super user, and what zkk's own clients log in as (default zkk-admin)"),
        adminPassword: secretSourceField.describe("The admin user's password: { file: PATH } or { env: NAME }"),
      })
      .optional()
      .describe('SASL/SCRAM authentication on the Kafka listeners (required with security:)'),
    plaintextPort: portField.optional().describe('Also open a PLAINTEXT listener on this port (default: none)'),
    zookeeper: z
      .strictObject({
        tls: z.boolean().optional().describe('TLS for ZooKeeper (default true): clients (Kafka, zkk) on zookeeper.secureClientPort with client certificates, the quorum and election ports on TLS (sslQuorum); the plaintext clientPort only on 127.0.0.1, for the four-letter words and zkCli.sh on the host. For a new ensemble: a running one is not switched'),
      })
      .optional()
      .describe('Security for ZooKeeper'),
  })
  .describe('Security: TLS and SASL/SCRAM for Kafka, TLS for ZooKeeper (off when absent)');

export type SecurityInput = z.infer<typeof securitySchema>;

export interface ResolvedSecurity {
  tls: {
    mode: 'generate' | 'provided';
    /** provided: control-node paths as written (relative to the inventory) */
    ca?: string;
    cert?: string;
    key?: string;
    validityDays: number;
    caValidityDays: number;
    extraSans: string[];
  };
  sasl: { mechanism: 'SCRAM-SHA-512'; adminUser: string; adminPassword: SecretSource };
  plaintextPort?: number;
  /** security.zookeeper.tls: ZooKeeper's clients on secureClientPort, its quorum on TLS. */
  zookeeperTls: boolean;
}

declare module '../../inventory/section.js' {
  interface RoleSettingsByKey {
    security: ResolvedSecurity;
  }
}
