/**
 * SaslAuthenticate (36, v0-2, flexible from v2): one round of the SASL exchange, the
 * mechanism's bytes in and out. A failed login answers SASL_AUTHENTICATION_FAILED (58).
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';
import { saslHandshake } from './sasl-handshake.js';
import { ScramClient } from './scram.js';

export const SASL_AUTHENTICATION_FAILED = 58;

export function encodeSaslAuthenticate(w: WireWriter, authBytes: Buffer): void {
  w.byteField(authBytes);
  w.tags();
}

export function decodeSaslAuthenticate(r: WireReader, version: number): { errorCode: number; errorMessage: string | null; authBytes: Buffer } {
  const errorCode = r.int16();
  const errorMessage = r.nullableString();
  const authBytes = r.nullableBytes() ?? Buffer.alloc(0);
  if (version >= 1) r.int64(); // session lifetime
  r.tags();
  return { errorCode, errorMessage, authBytes };
}

export async function saslAuthenticate(c: KafkaWireConnection, authBytes: Buffer): Promise<Buffer> {
  const v = await c.pickVersion(API.saslAuthenticate, 0, 2, 'SaslAuthenticate');
  const res = decodeSaslAuthenticate(await c.send(API.saslAuthenticate, v, v >= 2, (w) => encodeSaslAuthenticate(w, authBytes)), v);
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: SASL authentication failed: ${res.errorMessage ?? errorName(res.errorCode)}`, res.errorCode);
  return res.authBytes;
}

/** Log in with SCRAM-SHA-512: handshake, then client-first / client-final, then the server's signature checked. */
export async function scramLogin(c: KafkaWireConnection, user: string, password: string): Promise<void> {
  await saslHandshake(c, 'SCRAM-SHA-512');
  const scram = new ScramClient(user, password);
  const serverFirst = await saslAuthenticate(c, scram.clientFirst());
  const serverFinal = await saslAuthenticate(c, scram.clientFinal(serverFirst));
  scram.verifyServerFinal(serverFinal);
}
