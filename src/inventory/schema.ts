/**
 * The inventory schema (zod). One source for validation, the editor JSON schema
 * (`zkk schema`) and the README's reference. The core blocks (cluster, ssh, java,
 * firewall, hosts) live here; each role contributes its own block through an
 * InventorySection (see section.ts), so the schema is built from the role registry.
 * Every key is optional where a documented default exists; defaults are applied when
 * resolving (defaults < cluster < host).
 */
import { z } from 'zod';
import { absolutePathField, addressField, localPathField, loginUserField, nameField, packageNameField, portField, sha512Field, uploadedFileField } from './fields.js';
import type { InventorySection } from './section.js';

/** One ProxyJump hop: [user@]host[:port] (host a name, an IPv4 or a [bracketed] IPv6 address), or none. */
const jumpHopField = z.string().regex(/^(?:none|(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?(?:[A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?)$/, 'a jump host as [user@]host[:port], or none');

export { releaseSchema } from './fields.js';

export const sshSchema = z
  .strictObject({
    user: loginUserField.optional().describe('Login user (default: ~/.ssh/config, then root)'),
    port: portField.optional().describe('SSH port (default 22)'),
    identityFile: localPathField.optional().describe('Private key file'),
    agent: z.boolean().optional().describe('Use ssh-agent ($SSH_AUTH_SOCK); default true when it is set'),
    config: z.union([localPathField, z.literal(false)]).optional().describe('ssh_config file to honour (default ~/.ssh/config); false to ignore'),
    knownHosts: localPathField.optional().describe('known_hosts file (default ~/.ssh/known_hosts)'),
    hostKeyPolicy: z.enum(['strict', 'accept-new', 'off']).optional().describe('Unknown host keys: refuse (strict), record (accept-new, default), or skip checks (off)'),
    sudo: z.boolean().optional().describe('Run remote commands through sudo -n (default: when the user is not root)'),
    connectTimeout: z.number().positive().optional().describe('Seconds to wait for a connection (default 10)'),
    connectRetries: z.number().int().min(0).max(10).optional().describe('Retries of a failed connection (default 2)'),
    jump: z
      .union([jumpHopField, z.array(jumpHopField)])
      .optional()
      .describe('Bastion(s) to connect through, [user@]host[:port], a list for several hops (first hop first); none: connect directly even if ~/.ssh/config has a ProxyJump (default: ProxyJump from ~/.ssh/config)'),
  })
  .describe('How zkk reaches the hosts');

export const javaSchema = z
  .strictObject({
    install: z.enum(['auto', 'never']).optional().describe('Install a JDK with apt/dnf/yum when none is found (auto, default) or fail (never)'),
    minVersion: z.number().int().min(8).optional().describe('Lowest acceptable Java feature version (default 11; Kafka 4 needs 17)'),
    package: packageNameField.optional().describe('Package to install (default openjdk-17-jre-headless on apt, java-17-openjdk-headless on dnf/yum)'),
    archive: uploadedFileField.optional().describe('A JDK/JRE tarball (.tar.gz, one top directory) on the control node, for hosts without a package mirror: uploaded, checked and unpacked into <home>-<file name> on every host, and the services run on it (java.install and java.package do not apply)'),
    sha512: sha512Field.optional().describe('Expected SHA-512 of java.archive (hex); default: ARCHIVE.sha512 beside it'),
    home: absolutePathField.optional().describe('With java.archive: stable symlink to the unpacked JDK, the services\' JAVA_HOME, also linked as /usr/local/bin/java (default /usr/local/zkk-java)'),
  })
  .describe('The JDK the services run on');

export const firewallSchema = z
  .strictObject({
    manage: z
      .enum(['auto', 'never'])
      .optional()
      .describe('When ufw or firewalld is active on a host, open the ports its services listen on (auto, default; only missing ports are added, nothing is removed) or leave the firewall alone and report the closed ports (never). zkk never disables a firewall'),
  })
  .describe('The host firewall');

export const metricsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe("Prometheus metrics (default false): ZooKeeper's built-in Prometheus metrics provider (3.6+; zookeeper.metricsPort) and, on Kafka nodes, the Prometheus JMX exporter Java agent (kafka.metricsPort, kafka.metricsAgent); their ports are opened in an active firewall; `zkk metrics targets` prints the Prometheus file_sd targets"),
  })
  .describe('Metrics for Prometheus');

const coreHostShape = {
  name: nameField.optional().describe('Short name used in output (default: the address)'),
  address: addressField.describe('IP address or DNS name zkk connects to and services advertise'),
  roles: z.array(z.string()).min(1),
  ssh: sshSchema.optional(),
};

const coreInventoryShape = {
  cluster: nameField.describe('Cluster name (used for the KRaft cluster id file and in output)'),
  ssh: sshSchema.optional(),
  java: javaSchema.optional(),
  firewall: firewallSchema.optional(),
  metrics: metricsSchema.optional(),
};

/** A host entry as written, before resolution (role keys and blocks untyped here). */
export type HostInput = z.infer<z.ZodObject<typeof coreHostShape>> & Record<string, unknown>;
/** The inventory as written, before resolution. */
export type InventoryInput = z.infer<z.ZodObject<typeof coreInventoryShape>> & { hosts: HostInput[] } & Record<string, unknown>;

export interface InventorySchemas {
  host: z.ZodObject;
  inventory: z.ZodObject;
}

const built = new WeakMap<readonly InventorySection[], InventorySchemas>();

/** The host and inventory schemas with every role's block, in registry order. */
export function inventorySchemas(sections: readonly InventorySection[]): InventorySchemas {
  const cached = built.get(sections);
  if (cached) return cached;
  const roleNames = sections.flatMap((s) => s.hostRoles.map((r) => r.name));
  const blocks = () => Object.fromEntries(sections.map((s) => [s.key, s.schema.optional()]));
  const { ssh, ...hostStart } = coreHostShape;
  const host = z.strictObject({
    ...hostStart,
    roles: z
      .array(z.enum(roleNames as [string, ...string[]]))
      .min(1)
      .describe(sections.flatMap((s) => s.hostRoles.map((r) => r.description)).join(', ')),
    ...Object.assign({}, ...sections.map((s) => s.hostFields ?? {})),
    ssh,
    ...blocks(),
  });
  const inventory = z
    .strictObject({
      ...coreInventoryShape,
      ...blocks(),
      hosts: z.array(host).min(1).describe('The machines, in any order (ids are read from the hosts and kept; KRaft: without kafka-controller hosts the first three brokers are the controllers)'),
    })
    .describe('A zkk inventory: what every host should be');
  const schemas = { host, inventory };
  built.set(sections, schemas);
  return schemas;
}

/** JSON schema for editors (yaml-language-server: $schema=…). */
export function inventoryJsonSchema(sections: readonly InventorySection[]): Record<string, unknown> {
  return { ...z.toJSONSchema(inventorySchemas(sections).inventory), title: 'zkk inventory' } as Record<string, unknown>;
}
