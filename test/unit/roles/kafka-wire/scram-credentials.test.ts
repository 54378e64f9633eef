/**
 * DescribeUserScramCredentials and AlterUserScramCredentials against a fake broker: what goes
 * out (names, mechanism 2 = SCRAM-SHA-512, iterations, salt, salted password), the salted
 * password checked against RFC 5802's Hi written out here with HMAC, RESOURCE_NOT_FOUND on a
 * deletion counted as done, other errors naming the user and never the password.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WireWriter } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { describeUserScramCredentials } from '../../../../src/roles/kafka/wire/describe-user-scram-credentials.js';
import { alterUserScramCredentials, scramSha512Credential } from '../../../../src/roles/kafka/wire/alter-user-scram-credentials.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();

async function withConn<T>(port: number, fn: (c: KafkaWireConnection) => Promise<T>): Promise<T> {
  const c = await KafkaWireConnection.connect('127.0.0.1', port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** RFC 5802 Hi(str, salt, i): U1 = HMAC(str, salt + INT(1)), Ui = HMAC(str, Ui-1), XOR of all. */
function hi(password: string, salt: Buffer, iterations: number): Buffer {
  let u = createHmac('sha512', password).update(Buffer.concat([salt, Buffer.from([0, 0, 0, 1])])).digest();
  const out = Buffer.from(u);
  for (let i = 1; i < iterations; i++) {
    u = createHmac('sha512', password).update(u).digest();
    for (let j = 0; j < out.length; j++) out[j]! ^= u[j]!;
  }
  return out;
}

describe('Kafka wire client: SCRAM credential requests', () => {
  it('the credential is Hi(password, salt, 4096) with a fresh 32-byte salt each time', () => {
    const a = scramSha512Credential('app', 'app-secret-1');
    const b = scramSha512Credential('app', 'app-secret-1');
    expect(a.iterations).toBe(4096);
    expect(a.salt).toHaveLength(32);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.saltedPassword.equals(hi('app-secret-1', a.salt, 4096))).toBe(true);
  });

  it('DescribeUserScramCredentials: all users asked (null array); users and mechanisms decoded', async () => {
    const seen: unknown[] = [];
    const port = await fakeBroker({ [API.describeUserScramCredentials]: [0, 0] }, (k, _v, r) => {
      if (k !== API.describeUserScramCredentials) return undefined;
      const users = r.nullableArray((x) => x.string());
      r.tags();
      seen.push({ users, left: r.remaining });
      const w = new WireWriter(true).int32(0).int16(0).nullableString(null);
      w.array([['zkk-admin', 0], ['app', 0]] as const, (x, [u, e]) => {
        x.string(u).int16(e).nullableString(null);
        x.array([[2, 4096]], (m, [mech, it]) => m.int8(mech!).int32(it!).tags());
        x.tags();
      });
      return w.tags().bytes();
    });
    const got = await withConn(port, (c) => describeUserScramCredentials(c));
    expect(got).toEqual([{ user: 'zkk-admin', mechanisms: [{ mechanism: 2, iterations: 4096 }] }, { user: 'app', mechanisms: [{ mechanism: 2, iterations: 4096 }] }]);
    expect(seen).toEqual([{ users: null, left: 0 }]);
  });

  it('AlterUserScramCredentials: deletions and upsertions as sent; RESOURCE_NOT_FOUND on a deletion is done; other errors name the user only', async () => {
    const seen: { deletions: unknown[]; upsertions: { user: string; mech: number; it: number; salt: Buffer; salted: Buffer }[] }[] = [];
    const port = await fakeBroker({ [API.alterUserScramCredentials]: [0, 0] }, (k, _v, r) => {
      if (k !== API.alterUserScramCredentials) return undefined;
      const deletions = r.array((x) => {
        const d = { user: x.string(), mech: x.int8() };
        x.tags();
        return d;
      });
      const upsertions = r.array((x) => {
        const u = { user: x.string(), mech: x.int8(), it: x.int32(), salt: x.nullableBytes()!, salted: x.nullableBytes()! };
        x.tags();
        return u;
      });
      r.tags();
      seen.push({ deletions, upsertions });
      const w = new WireWriter(true).int32(0);
      w.array([...deletions.map((d) => [d.user, 91] as const), ...upsertions.map((u) => [u.user, u.user === 'bad' ? 93 : 0] as const)], (x, [user, code]) => x.string(user).int16(code).nullableString(code === 93 ? 'Iterations 4096 is less than the minimum' : null).tags());
      return w.tags().bytes();
    });
    const cred = scramSha512Credential('app', 'app-secret-1');
    await withConn(port, async (c) => {
      await alterUserScramCredentials(c, { deletions: ['gone'], upsertions: [cred] });
      const err = await alterUserScramCredentials(c, { upsertions: [scramSha512Credential('bad', 'bad-secret-1')] }).catch((e: Error) => e);
      expect(String(err)).toMatch(/AlterUserScramCredentials bad failed: UNACCEPTABLE_CREDENTIAL/);
      expect(String(err)).not.toContain('bad-secret-1');
      await alterUserScramCredentials(c, {});
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.deletions).toEqual([{ user: 'gone', mech: 2 }]);
    expect(seen[0]!.upsertions[0]).toMatchObject({ user: 'app', mech: 2, it: 4096 });
    expect(seen[0]!.upsertions[0]!.salt.equals(cred.salt) && seen[0]!.upsertions[0]!.salted.equals(cred.saltedPassword)).toBe(true);
  });
});
