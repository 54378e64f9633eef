/**
 * SaslHandshake (17, v1 — v0 is the pre-KIP-43 framing, never used): ask for a mechanism;
 * the broker answers with the mechanisms its listener enables.
 */
import type { WireReader, WireWriter } from './codec.js';
import { API, type KafkaWireConnection } from './connection.js';
import { errorName, KafkaWireError } from './wire-error.js';

export function encodeSaslHandshake(w: WireWriter, mechanism: string): void {
  w.string(mechanism);
}

export function decodeSaslHandshake(r: WireReader): { errorCode: number; mechanisms: string[] } {
  const errorCode = r.int16();
  const mechanisms = r.array((x) => x.string());
  return { errorCode, mechanisms };
}

export async function saslHandshake(c: KafkaWireConnection, mechanism: string): Promise<void> {
  const v = await c.pickVersion(API.saslHandshake, 1, 1, 'SaslHandshake');
  const res = decodeSaslHandshake(await c.send(API.saslHandshake, v, false, (w) => encodeSaslHandshake(w, mechanism)));
  if (res.errorCode !== 0) throw new KafkaWireError(`${c.endpoint}: SASL mechanism ${mechanism} refused (${errorName(res.errorCode)}; the listener enables ${res.mechanisms.join(', ') || 'none'})`, res.errorCode);
}
