/**
 * The users-and-ACLs step against the cluster (access.ts decides, this talks): read the
 * state over the wire as zkk's admin user, apply a plan, and wait until every broker serves
 * the change (a SCRAM login as each changed user, DescribeAcls listing the new bindings) so
 * clients are never refused by a broker the metadata has not reached yet.
 */
import { connectAny, KafkaWireConnection, type WireSecurity } from './wire/connection.js';
import { SASL_AUTHENTICATION_FAILED } from './wire/sasl-authenticate.js';
import { describeAcls, type AclBinding } from './wire/describe-acls.js';
import { createAcls } from './wire/create-acls.js';
import { deleteAcls } from './wire/delete-acls.js';
import { describeUserScramCredentials, SCRAM_SHA_512 } from './wire/describe-user-scram-credentials.js';
import { alterUserScramCredentials, scramSha512Credential } from './wire/alter-user-scram-credentials.js';
import { KafkaWireError } from './wire/wire-error.js';
import { bindingKey, type AccessPlan, type AccessState } from './access.js';
import { controllerConnection } from './rebalance.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** Does this password log in as this user (SCRAM-SHA-512 over TLS)? An authentication failure is "no"; anything else throws. */
export async function passwordWorks(at: Endpoint, tls: WireSecurity['tls'], user: string, password: string): Promise<boolean> {
  try {
    const c = await KafkaWireConnection.connect(at.host, at.port, { clientId: 'zkk-deploy', requestTimeoutMs: 10_000, security: { ...(tls ? { tls } : {}), sasl: { mechanism: 'SCRAM-SHA-512', user, password } } });
    c.close();
    return true;
  } catch (e) {
    if (e instanceof KafkaWireError && e.errorCode === SASL_AUTHENTICATION_FAILED) return false;
    throw e;
  }
}

/** The login tried on each broker in turn until one answers (a broker down is not a wrong password). */
async function passwordWorksOnAny(brokers: Endpoint[], tls: WireSecurity['tls'], user: string, password: string): Promise<boolean> {
  let last: unknown;
  for (const b of brokers) {
    try {
      return await passwordWorks(b, tls, user, password);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/** The cluster's users, ACLs, and which listed users' passwords work. */
export async function readAccessState(brokers: Endpoint[], tls: WireSecurity['tls'], users: ReadonlyMap<string, string>): Promise<AccessState> {
  const c = await connectAny(brokers, { clientId: 'zkk-deploy', requestTimeoutMs: 10_000 });
  let existing: string[];
  let acls: AclBinding[];
  try {
    existing = (await describeUserScramCredentials(c)).filter((u) => u.mechanisms.some((m) => m.mechanism === SCRAM_SHA_512)).map((u) => u.user);
    acls = await describeAcls(c);
  } finally {
    c.close();
  }
  const working = new Set<string>();
  for (const [user, password] of users) if (existing.includes(user) && (await passwordWorksOnAny(brokers, tls, user, password))) working.add(user);
  return { users: existing, working, acls };
}

/** Apply the plan, then wait until every broker serves it. */
export async function applyAccessPlan(brokers: Endpoint[], tls: WireSecurity['tls'], plan: AccessPlan, passwords: ReadonlyMap<string, string>, timeoutMs = 60_000): Promise<void> {
  const upsert = [...plan.createUsers, ...plan.updateUsers];
  const deadline = Date.now() + timeoutMs;
  // ZooKeeper mode: only the active controller takes AlterUserScramCredentials (NOT_CONTROLLER elsewhere).
  // Brokers learn who it is from the controller's UpdateMetadata: on a cluster that has just started, a
  // broker's metadata can still name none or an old one, so NOT_CONTROLLER asks again for the controller.
  for (;;) {
    const { conn: c } = await controllerConnection(brokers);
    try {
      await alterUserScramCredentials(c, { deletions: plan.deleteUsers, upsertions: upsert.map((u) => scramSha512Credential(u, passwords.get(u)!)) });
      await createAcls(c, plan.createAcls);
      await deleteAcls(c, plan.deleteAcls);
      break;
    } catch (e) {
      if (!/NOT_CONTROLLER/.test((e as Error).message) || Date.now() > deadline) throw e;
    } finally {
      c.close();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const created = new Set(plan.createAcls.map(bindingKey));
  const removed = new Set(plan.deleteAcls.map(bindingKey));
  for (const b of brokers) {
    for (;;) {
      const pending: string[] = [];
      for (const u of upsert) if (!(await passwordWorks(b, tls, u, passwords.get(u)!))) pending.push(`user ${u}`);
      if (created.size + removed.size > 0) {
        const c2 = await KafkaWireConnection.connect(b.host, b.port, { clientId: 'zkk-deploy', requestTimeoutMs: 10_000 });
        try {
          const have = new Set((await describeAcls(c2)).map(bindingKey));
          const missing = [...created].filter((k) => !have.has(k)).length;
          const left = [...removed].filter((k) => have.has(k)).length;
          if (missing + left > 0) pending.push(`${missing + left} ACL change(s)`);
        } finally {
          c2.close();
        }
      }
      if (pending.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${b.host}:${b.port} does not serve ${pending.join(', ')} within ${timeoutMs / 1000} s of the change`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
