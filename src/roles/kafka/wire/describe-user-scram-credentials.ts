/**
 * DescribeUserScramCredentials (50, v0, flexible): which users have SCRAM credentials, and
 * for which mechanisms and iteration counts — never the credentials themselves (what
 * `kafka-configs.sh --describe --entity-type users` shows).
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export const SCRAM_SHA_256 = 1;
export const SCRAM_SHA_512 = 2;
export const RESOURCE_NOT_FOUND = 91;

export interface UserScramCredentials {
  user: string;
  mechanisms: { mechanism: number; iterations: number }[];
}

/** users null: every user. */
export function encodeDescribeUserScramCredentials(w: WireWriter, users: readonly string[] | null): void {
  w.nullableArray(users, (x, name) => {
    x.string(name);
    x.tags();
  });
  w.tags();
}

export function decodeDescribeUserScramCredentials(r: WireReader): { errorCode: number; errorMessage: string | null; results: (UserScramCredentials & { errorCode: number })[] } {
  r.int32(); // throttle
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  const results = r.array((x) => {
    const user = x.string();
    const code = x.int16();
    x.nullableString();
    const mechanisms = x.array((m) => {
      const e = { mechanism: m.int8(), iterations: m.int32() };
      m.tags();
      return e;
    });
    x.tags();
    return { user, errorCode: code, mechanisms };
  });
  r.tags();
  return { errorCode, errorMessage, results };
}

/** Every user with SCRAM credentials. */
export async function describeUserScramCredentials(c: KafkaWireConnection): Promise<UserScramCredentials[]> {
  const v = await c.pickVersion(API.describeUserScramCredentials, 0, 0, 'DescribeUserScramCredentials');
  const res = decodeDescribeUserScramCredentials(await c.send(API.describeUserScramCredentials, v, true, (w) => encodeDescribeUserScramCredentials(w, null)));
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: DescribeUserScramCredentials failed: ${errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`, res.errorCode);
  const bad = res.results.find((u) => u.errorCode !== 0 && u.errorCode !== RESOURCE_NOT_FOUND);
  if (bad) throw new KafkaWireError(`${c.endpoint}: DescribeUserScramCredentials ${bad.user} failed: ${errorName(bad.errorCode)}`, bad.errorCode);
  return res.results.filter((u) => u.errorCode === 0).map(({ user, mechanisms }) => ({ user, mechanisms }));
}
