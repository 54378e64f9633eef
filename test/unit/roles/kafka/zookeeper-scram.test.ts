/**
 * The admin's SCRAM-SHA-512 credential as zkk writes it to ZooKeeper (pure): Kafka's
 * `salt=…,stored_key=…,server_key=…,iterations=…` form, computed as RFC 5802 says (checked here
 * against an independent computation), matched back against the password with its own salt,
 * other config entries of the user kept.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialMatches, scramCredentialString, userConfigJson } from '../../../../src/roles/kafka/zookeeper-scram.js';

describe('SCRAM-SHA-512 credential for ZooKeeper', () => {
  const salt = Buffer.from('0123456789abcdef0123456789abcdef');
  it('stored_key = H(HMAC(Hi, "Client Key")), server_key = HMAC(Hi, "Server Key")', () => {
    const hi = pbkdf2Sync('s3cret', salt, 4096, 64, 'sha512');
    const stored = createHash('sha512').update(createHmac('sha512', hi).update('Client Key').digest()).digest('base64');
    const server = createHmac('sha512', hi).update('Server Key').digest('base64');
    expect(scramCredentialString('s3cret', 4096, salt)).toBe(`salt=${salt.toString('base64')},stored_key=${stored},server_key=${server},iterations=4096`);
  });
  it('a fresh salt each time; matched back with its own salt and iterations', () => {
    const a = scramCredentialString('pw, with = signs');
    expect(a).not.toBe(scramCredentialString('pw, with = signs'));
    expect(credentialMatches(a, 'pw, with = signs')).toBe(true);
    expect(credentialMatches(a, 'other')).toBe(false);
    expect(credentialMatches(scramCredentialString('x', 8192, salt), 'x')).toBe(true);
    expect(credentialMatches('garbage', 'x')).toBe(false);
    expect(credentialMatches('salt=AA==,stored_key=AA==,server_key=AA==,iterations=0', 'x')).toBe(false);
  });
  it('the user znode: version 1, the credential set, other entries kept', () => {
    expect(JSON.parse(userConfigJson(undefined, 'C'))).toEqual({ version: 1, config: { 'SCRAM-SHA-512': 'C' } });
    expect(JSON.parse(userConfigJson('{"version":1,"config":{"producer_byte_rate":"1024","SCRAM-SHA-512":"old"}}', 'C'))).toEqual({ version: 1, config: { producer_byte_rate: '1024', 'SCRAM-SHA-512': 'C' } });
  });
});
