/**
 * SASL/SCRAM-SHA-512 login of the wire client against a fake broker that plays Kafka's
 * server side (SaslHandshake v1, SaslAuthenticate v0-2): the right password logs in and the
 * server's signature is checked; a wrong password is SASL_AUTHENTICATION_FAILED; a server
 * that does not know the password (a wrong signature) is refused too.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WireWriter, type WireReader } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection, KafkaWireError, SASL_AUTHENTICATION_FAILED } from '../../../../src/roles/kafka/wire/index.js';
import { ScramClient, scramCredential, scramServerVerify } from '../../../../src/roles/kafka/wire/scram.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();

/** A broker holding `user` with `password`'s SCRAM credential; `forgeSignature`: answers a signature of another password. */
function scramBroker(user: string, password: string, authVersions: [number, number], forgeSignature = false) {
  const salt = randomBytes(16);
  const cred = scramCredential(password, salt, 4096);
  const forged = scramCredential('not-the-password', salt, 4096);
  let clientFirstBare = '';
  let serverFirst = '';
  const seen: number[] = [];
  const handler = (apiKey: number, version: number, r: WireReader): Buffer | undefined => {
    seen.push(apiKey);
    if (apiKey === API.saslHandshake) {
      const mech = r.string();
      return new WireWriter(false).int16(mech === 'SCRAM-SHA-512' ? 0 : 33).array(['SCRAM-SHA-512'], (w, m) => w.string(m)).bytes();
    }
    if (apiKey !== API.saslAuthenticate) return undefined;
    const bytes = r.nullableBytes()!.toString();
    const w = new WireWriter(version >= 2);
    const answer = (code: number, msg: string | null, out: string) => {
      w.int16(code).nullableString(msg).byteField(Buffer.from(out));
      if (version >= 1) w.int64(0);
      return w.tags().bytes();
    };
    if (!clientFirstBare) {
      clientFirstBare = bytes.replace(/^n,,/, '');
      const name = /n=([^,]*)/.exec(clientFirstBare)![1];
      if (name !== user) return answer(SASL_AUTHENTICATION_FAILED, 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512', '');
      serverFirst = `r=${/r=([^,]*)/.exec(clientFirstBare)![1]}srv${randomBytes(8).toString('hex')},s=${salt.toString('base64')},i=4096`;
      return answer(0, null, serverFirst);
    }
    const v = scramServerVerify(forgeSignature ? { ...cred, serverKey: forged.serverKey } : cred, clientFirstBare, serverFirst, bytes);
    if (!v.ok) return answer(SASL_AUTHENTICATION_FAILED, 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512', '');
    return answer(0, null, v.serverFinal);
  };
  const versions: Record<number, [number, number]> = { [API.saslHandshake]: [0, 1], [API.saslAuthenticate]: authVersions, [API.metadata]: [0, 12] };
  return { handler, versions, seen };
}

describe('SCRAM-SHA-512 over SaslHandshake + SaslAuthenticate', () => {
  it.each([[[0, 2]], [[0, 1]], [[0, 0]]] as [[number, number]][])('logs in with the right password (SaslAuthenticate %j)', async (authVersions) => {
    const b = scramBroker('zkk-admin', 'correct-horse-battery', authVersions);
    const port = await fakeBroker(b.versions, b.handler);
    const c = await KafkaWireConnection.connect('127.0.0.1', port, { security: { sasl: { mechanism: 'SCRAM-SHA-512', user: 'zkk-admin', password: 'correct-horse-battery' } } });
    c.close();
    expect(b.seen).toEqual([API.saslHandshake, API.saslAuthenticate, API.saslAuthenticate]);
  });

  it('a wrong password is SASL_AUTHENTICATION_FAILED and the message never holds the password', async () => {
    const b = scramBroker('zkk-admin', 'correct-horse-battery', [0, 2]);
    const port = await fakeBroker(b.versions, b.handler);
    const err = await KafkaWireConnection.connect('127.0.0.1', port, { security: { sasl: { mechanism: 'SCRAM-SHA-512', user: 'zkk-admin', password: 'wrong-password-here' } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaWireError);
    expect((err as KafkaWireError).errorCode).toBe(SASL_AUTHENTICATION_FAILED);
    expect((err as Error).message).toMatch(/SASL authentication failed: Authentication failed/);
    expect((err as Error).message).not.toMatch(/wrong-password-here|correct-horse/);
  });

  it('a server whose signature is wrong (it does not hold the password) is refused', async () => {
    const b = scramBroker('zkk-admin', 'correct-horse-battery', [0, 2], true);
    const port = await fakeBroker(b.versions, b.handler);
    await expect(KafkaWireConnection.connect('127.0.0.1', port, { security: { sasl: { mechanism: 'SCRAM-SHA-512', user: 'zkk-admin', password: 'correct-horse-battery' } } })).rejects.toThrow(/server signature does not match/);
  });

  it('the client refuses a server nonce that does not extend its own, and too few iterations', () => {
    const c = new ScramClient('u', 'p', 'abc');
    expect(c.clientFirst().toString()).toBe('n,,n=u,r=abc');
    expect(() => c.clientFinal(Buffer.from('r=xyz123,s=c2FsdA==,i=4096'))).toThrow(/nonce/);
    expect(() => c.clientFinal(Buffer.from('r=abcdef,s=c2FsdA==,i=100'))).toThrow(/iterations/);
    expect(new ScramClient('a=b,c', 'p', 'n').clientFirst().toString()).toBe('n,,n=a=3Db=2Cc,r=n');
  });
});
