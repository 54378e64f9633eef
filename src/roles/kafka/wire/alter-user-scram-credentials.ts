/**
 * AlterUserScramCredentials (51, v0, flexible): set (upsert) or delete users' SCRAM
 * credentials (what `kafka-configs.sh --alter --add-config SCRAM-SHA-512=[…]` sends). The
 * client derives the salted password itself (RFC 5802 Hi = PBKDF2-HMAC-SHA-512 with a random
 * salt), so the password never leaves the control node; the request carries salt and
 * SaltedPassword only.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { RESOURCE_NOT_FOUND, SCRAM_SHA_512 } from './describe-user-scram-credentials.js';
import { errorName, KafkaWireError } from './wire-error.js';

/** Kafka's minimum for SCRAM-SHA-512 (and what kafka-configs.sh uses by default). */
export const SCRAM_ITERATIONS = 4096;

export interface ScramUpsertion {
  user: string;
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

/** The SCRAM-SHA-512 credential for a password: a fresh 32-byte salt, Hi(password, salt, i). */
export function scramSha512Credential(user: string, password: string, iterations = SCRAM_ITERATIONS, salt: Buffer = randomBytes(32)): ScramUpsertion {
  return { user, iterations, salt, saltedPassword: pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512') };
}

export function encodeAlterUserScramCredentials(w: WireWriter, deletions: readonly string[], upsertions: readonly ScramUpsertion[]): void {
  w.array(deletions, (x, user) => {
    x.string(user);
    x.int8(SCRAM_SHA_512);
    x.tags();
  });
  w.array(upsertions, (x, u) => {
    x.string(u.user);
    x.int8(SCRAM_SHA_512);
    x.int32(u.iterations);
    x.byteField(u.salt);
    x.byteField(u.saltedPassword);
    x.tags();
  });
  w.tags();
}

export function decodeAlterUserScramCredentials(r: WireReader): { user: string; errorCode: number; errorMessage: string | null }[] {
  r.int32(); // throttle
  const results = r.array((x) => {
    const e = { user: x.string(), errorCode: x.int16(), errorMessage: x.nullableString() };
    x.tags();
    return e;
  });
  r.tags();
  return results;
}

/**
 * Upsert and delete SCRAM-SHA-512 credentials in one request. Deleting a user that has none
 * (RESOURCE_NOT_FOUND) counts as done; any other error throws, naming the user, never a secret.
 */
export async function alterUserScramCredentials(c: KafkaWireConnection, change: { deletions?: readonly string[]; upsertions?: readonly ScramUpsertion[] }): Promise<void> {
  const deletions = change.deletions ?? [];
  const upsertions = change.upsertions ?? [];
  if (deletions.length === 0 && upsertions.length === 0) return;
  const v = await c.pickVersion(API.alterUserScramCredentials, 0, 0, 'AlterUserScramCredentials');
  const results = decodeAlterUserScramCredentials(await c.send(API.alterUserScramCredentials, v, true, (w) => encodeAlterUserScramCredentials(w, deletions, upsertions)));
  for (const res of results) {
    if (res.errorCode === 0 || (res.errorCode === RESOURCE_NOT_FOUND && deletions.includes(res.user))) continue;
    throw new KafkaWireError(`${c.endpoint}: AlterUserScramCredentials ${res.user} failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  }
}
