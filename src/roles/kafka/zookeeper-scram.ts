/**
 * ZooKeeper-mode Kafka with security: the admin's SCRAM-SHA-512 credential must be in ZooKeeper
 * before a broker starts (brokers log in to each other with it). Upstream bootstraps it with
 * `kafka-configs.sh --zookeeper … --add-config SCRAM-SHA-512=[password=…]`, which writes
 * <chroot>/config/users/<user> and a change notification; zkk writes the same znodes from the
 * control node (no JVM, the password never on a host's command line): RFC 5802's StoredKey and
 * ServerKey from PBKDF2-HMAC-SHA-512 with a fresh salt, in Kafka's
 * `salt=…,stored_key=…,server_key=…,iterations=…` form. The password itself is never written.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import { ExitCode, ZkkError } from '../../errors/zkk-error.js';
import type { Inventory, ResolvedKafka } from '../../inventory/resolve.js';
import { zookeeperConnect } from '../zookeeper/config.js';
import { connectClient } from '../zookeeper/zookeeper-client.js';
import { SCRAM_ITERATIONS } from './wire/alter-user-scram-credentials.js';

export const SCRAM_SHA_512_KEY = 'SCRAM-SHA-512';

/** Kafka's stored form of a SCRAM-SHA-512 credential (ScramCredentialUtils). */
export function scramCredentialString(password: string, iterations = SCRAM_ITERATIONS, salt: Buffer = randomBytes(32)): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512');
  const clientKey = createHmac('sha512', salted).update('Client Key').digest();
  const storedKey = createHash('sha512').update(clientKey).digest();
  const serverKey = createHmac('sha512', salted).update('Server Key').digest();
  return `salt=${salt.toString('base64')},stored_key=${storedKey.toString('base64')},server_key=${serverKey.toString('base64')},iterations=${iterations}`;
}

/** Whether a stored credential is the password's (recomputed with its own salt and iterations). */
export function credentialMatches(stored: string, password: string): boolean {
  const f = Object.fromEntries(stored.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const iterations = Number(f.iterations);
  if (!f.salt || !f.stored_key || !Number.isInteger(iterations) || iterations < 1) return false;
  const again = scramCredentialString(password, iterations, Buffer.from(f.salt, 'base64'));
  const a = Buffer.from(again);
  const b = Buffer.from(`salt=${f.salt},stored_key=${f.stored_key},server_key=${f.server_key},iterations=${iterations}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The user znode's JSON, as Kafka's AdminZkClient writes it (other config entries kept). */
export function userConfigJson(current: string | undefined, credential: string): string {
  let config: Record<string, string> = {};
  if (current) {
    try {
      config = ((JSON.parse(current) as { config?: Record<string, string> }).config ?? {});
    } catch {
      config = {};
    }
  }
  return JSON.stringify({ version: 1, config: { ...config, [SCRAM_SHA_512_KEY]: credential } });
}

const call = <T>(f: (cb: (e: unknown, v?: T) => void) => void): Promise<T | undefined> =>
  new Promise((res, rej) => f((e, v) => (e ? rej(e instanceof Error ? e : new Error(String(e))) : res(v))));

async function getData(c: zookeeper.Client, path: string): Promise<string | undefined> {
  try {
    return (await call<Buffer>((cb) => c.getData(path, (e, d) => cb(e, d))))?.toString() ?? '';
  } catch (e) {
    if (/NO_NODE/.test(String(e))) return undefined;
    throw e;
  }
}

/**
 * The admin credential in <chroot>/config/users/<user>: created when missing (with the chroot's
 * parents), left alone when it is the password's; another password is refused (rotating the
 * inter-broker password under running brokers would lock them out of each other).
 * Returns what it did.
 */
export async function ensureZookeeperScram(inv: Inventory, k: ResolvedKafka, user: string, password: string): Promise<'created' | 'ok'> {
  const c = await connectClient(zookeeperConnect(inv), 10_000);
  try {
    const node = `${k.zookeeperChroot}/config/users/${encodeURIComponent(user)}`;
    const current = await getData(c, node);
    const stored = current ? ((JSON.parse(current) as { config?: Record<string, string> }).config ?? {})[SCRAM_SHA_512_KEY] : undefined;
    if (stored && credentialMatches(stored, password)) return 'ok';
    if (stored)
      throw new ZkkError('SCRAM_ADMIN_CHANGED', `ZooKeeper ${node} holds another SCRAM-SHA-512 credential for ${user} than security.sasl.adminPassword`, {
        exitCode: ExitCode.hostFailed,
        hint: 'zkk does not rotate the inter-broker password of a running ZooKeeper-mode cluster yet: put the password back as it was',
      });
    const data = Buffer.from(userConfigJson(current, scramCredentialString(password)));
    if (current === undefined) {
      await call<string>((cb) => c.mkdirp(`${k.zookeeperChroot}/config/users`, (e, p) => cb(e, p)));
      await call<string>((cb) => c.create(node, data, (e, p) => cb(e, p)));
    }
    else await call((cb) => c.setData(node, data, -1, (e, s) => cb(e, s)));
    // brokers already running pick the change up from the notification (as kafka-configs.sh makes them)
    await call<string>((cb) => c.mkdirp(`${k.zookeeperChroot}/config/changes`, (e, p) => cb(e, p)));
    await call<string>((cb) => c.create(`${k.zookeeperChroot}/config/changes/config_change_`, Buffer.from(JSON.stringify({ version: 2, entity_path: `users/${encodeURIComponent(user)}` })), zookeeper.CreateMode.PERSISTENT_SEQUENTIAL, (e, p) => cb(e, p)));
    return 'created';
  } finally {
    c.close();
  }
}
