/**
 * How `security:` resolves: one block for the cluster (tls.cert/key per host), present on every
 * host when the top-level block is there, absent everywhere otherwise (security off).
 */
import type { InventorySection } from '../../inventory/section.js';
import type { HostInput } from '../../inventory/schema.js';
import { securityDefaults } from './defaults.js';
import { securitySchema, type ResolvedSecurity, type SecurityInput } from './settings.js';

const own = (h: HostInput) => h.security as SecurityInput | undefined;

export const securityInventorySection: InventorySection<ResolvedSecurity> = {
  key: 'security',
  hostRoles: [],
  schema: securitySchema,
  resolve(ctx) {
    const out = new Map<number, ResolvedSecurity>();
    const block = ctx.block as SecurityInput | undefined;
    ctx.input.hosts.forEach((h, i) => {
      const mine = own(h);
      if (!block && mine) ctx.fail(['hosts', i, 'security'], 'a host security block without the top-level security: block', 'add security: (tls, sasl) at the top level');
      if (mine?.sasl || mine?.plaintextPort !== undefined || mine?.zookeeper) ctx.fail(['hosts', i, 'security', mine.sasl ? 'sasl' : mine.zookeeper ? 'zookeeper' : 'plaintextPort'], 'security.sasl, security.plaintextPort and security.zookeeper are cluster-wide', 'set them under the top-level security: block');
    });
    if (!block) return out;
    if (!block.sasl) {
      ctx.fail(['security', 'sasl'], 'security needs sasl (adminPassword)', 'add sasl: { adminPassword: { file: admin.password } }');
      return out;
    }
    const mode = block.tls?.mode ?? securityDefaults.tls.mode;
    if (mode === 'generate' && (block.tls?.ca || block.tls?.cert || block.tls?.key)) ctx.fail(['security', 'tls', 'mode'], 'tls.ca/cert/key are for mode: provided', 'set tls.mode: provided, or remove them to let zkk generate the certificates');
    if (mode === 'provided' && !block.tls?.ca) ctx.fail(['security', 'tls', 'ca'], 'tls.mode provided needs tls.ca (the CA certificate)');
    ctx.input.hosts.forEach((h, i) => {
      const tls = { ...securityDefaults.tls, ...block.tls, ...own(h)?.tls };
      if (mode === 'provided' && (!tls.cert || !tls.key)) ctx.fail(['hosts', i, 'security', 'tls'], `tls.mode provided: host ${h.name ?? h.address} needs tls.cert and tls.key`, 'give each host security: { tls: { cert: host.pem, key: host.key } }');
      if (own(h)?.tls?.mode) ctx.fail(['hosts', i, 'security', 'tls', 'mode'], 'tls.mode is cluster-wide', 'set it under the top-level security: block');
      out.set(i, {
        tls: { ...tls, mode, extraSans: tls.extraSans ?? [] },
        sasl: { mechanism: 'SCRAM-SHA-512', adminUser: block.sasl!.adminUser ?? securityDefaults.sasl.adminUser, adminPassword: block.sasl!.adminPassword },
        ...(block.plaintextPort !== undefined ? { plaintextPort: block.plaintextPort } : {}),
        zookeeperTls: block.zookeeper?.tls ?? securityDefaults.zookeeper.tls,
      });
    });
    return out;
  },
  ports: (s) => (s.plaintextPort !== undefined ? [{ port: s.plaintextPort, what: 'security.plaintextPort' }] : []),
};
