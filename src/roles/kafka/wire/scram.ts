/**
 * The client side of SCRAM-SHA-512 (RFC 5802 / 7677 with SHA-512), as Kafka's
 * ScramSaslServer speaks it: client-first → server-first → client-final (with the proof) →
 * server-final (the server's signature, checked). Pure: the bytes in and out of each step.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const GS2_HEADER = 'n,,';
const MIN_ITERATIONS = 4096;

const hmac = (key: Buffer, text: string | Buffer) => createHmac('sha512', key).update(text).digest();
const h = (b: Buffer) => createHash('sha512').update(b).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((x, i) => x ^ b[i]!));
/** saslname: ',' and '=' escaped as =2C and =3D. */
const saslName = (s: string) => s.replace(/=/g, '=3D').replace(/,/g, '=2C');

function attributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i), part.slice(i + 1));
  }
  return out;
}

export class ScramClient {
  private readonly nonce: string;
  private readonly clientFirstBare: string;
  private serverSignature: Buffer | undefined;

  constructor(private readonly user: string, private readonly password: string, nonce = randomBytes(24).toString('base64')) {
    this.nonce = nonce;
    this.clientFirstBare = `n=${saslName(user)},r=${nonce}`;
  }

  clientFirst(): Buffer {
    return Buffer.from(GS2_HEADER + this.clientFirstBare);
  }

  /** The client-final message for the server-first message (throws on a bad challenge). */
  clientFinal(serverFirstBytes: Buffer): Buffer {
    const serverFirst = serverFirstBytes.toString('utf8');
    const a = attributes(serverFirst);
    if (a.has('e')) throw new Error(`SCRAM: the server refused: ${a.get('e')}`);
    const nonce = a.get('r');
    const salt = a.get('s');
    const iterations = Number(a.get('i'));
    if (!nonce || !nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) throw new Error('SCRAM: the server nonce does not extend the client nonce');
    if (!salt || !Number.isInteger(iterations) || iterations < MIN_ITERATIONS) throw new Error(`SCRAM: bad server-first message (salt/iterations ${a.get('i')})`);
    const salted = pbkdf2Sync(this.password, Buffer.from(salt, 'base64'), iterations, 64, 'sha512');
    const clientKey = hmac(salted, 'Client Key');
    const withoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(h(clientKey), authMessage));
    this.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** Checks the server-final message: the server knew the password too. */
  verifyServerFinal(serverFinalBytes: Buffer): void {
    const a = attributes(serverFinalBytes.toString('utf8'));
    if (a.has('e')) throw new Error(`SCRAM: the server refused: ${a.get('e')}`);
    const v = Buffer.from(a.get('v') ?? '', 'base64');
    if (!this.serverSignature || v.length !== this.serverSignature.length || !timingSafeEqual(v, this.serverSignature)) throw new Error('SCRAM: the server signature does not match (not the broker that holds this user)');
  }
}

/** The server side, for tests (a fake broker): the stored credential for a password. */
export function scramCredential(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return { storedKey: h(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** A server's check of a client-final message (tests): the proof is right, and the server-final to send. */
export function scramServerVerify(cred: { storedKey: Buffer; serverKey: Buffer }, clientFirstBare: string, serverFirst: string, clientFinal: string): { ok: boolean; serverFinal: string } {
  const withoutProof = clientFinal.replace(/,p=[^,]*$/, '');
  const proof = Buffer.from(attributes(clientFinal).get('p') ?? '', 'base64');
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientKey = xor(proof, hmac(cred.storedKey, authMessage));
  const ok = proof.length === 64 && timingSafeEqual(h(clientKey), cred.storedKey);
  return { ok, serverFinal: ok ? `v=${hmac(cred.serverKey, authMessage).toString('base64')}` : 'e=invalid-proof' };
}
