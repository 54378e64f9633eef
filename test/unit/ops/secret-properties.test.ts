/** Which extraConfig keys make a file secret, and masking their values in properties text. */
import { describe, expect, it } from 'vitest';
import { holdsSecretProperties, isSecretPropertyKey, maskSecretProperties } from '../../../src/ops/secret-properties.js';

describe('secret property keys', () => {
  it.each([
    ['ssl.keystore.password', true],
    ['ssl.truststore.password', true],
    ['ssl.key.password', true],
    ['ssl.keyStore.password', true], // ZooKeeper's spelling
    ['ssl.quorum.trustStore.password', true],
    ['sasl.jaas.config', true],
    ['listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config', true],
    ['ssl.keystore.key', true],
    ['sasl.oauthbearer.client.credentials.client.secret', true],
    ['delegation.token.secret.key', true],
    ['authProvider.1', false],
    ['ssl.keystore.location', false],
    ['ssl.keystore.type', false],
    ['log.retention.hours', false],
    ['4lw.commands.whitelist', false],
    ['ssl.keymanager.algorithm', false],
  ])('%s → %s', (key, secret) => {
    expect(isSecretPropertyKey(key)).toBe(secret);
  });

  it('a file holds secrets when one of its extra keys does', () => {
    expect(holdsSecretProperties({ 'log.retention.hours': 72 })).toBe(false);
    expect(holdsSecretProperties({ 'log.retention.hours': 72, 'ssl.keystore.password': 'x' })).toBe(true);
    expect(holdsSecretProperties({})).toBe(false);
  });
});

describe('maskSecretProperties', () => {
  it('masks values of secret keys, whatever the separator; leaves comments and other keys', () => {
    const text = [
      '# ssl.keystore.password=in-a-comment',
      'ssl.keystore.location=/etc/kafka/ks.jks',
      'ssl.keystore.password=hunter2',
      '  ssl.key.password : hunter3',
      'ssl.truststore.password hunter4',
      'ssl.keystore.password=',
      'tickTime=2000',
    ].join('\n');
    expect(maskSecretProperties(text)).toBe([
      '# ssl.keystore.password=in-a-comment',
      'ssl.keystore.location=/etc/kafka/ks.jks',
      'ssl.keystore.password=***',
      '  ssl.key.password : ***',
      'ssl.truststore.password ***',
      'ssl.keystore.password=***',
      'tickTime=2000',
    ].join('\n'));
  });

  it('masks the continuation lines of a masked value, and only those', () => {
    const text = [
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\',
      '    username="admin" \\',
      '    password="s3cret";',
      'num.partitions=3 \\\\',
      'after=1',
    ].join('\n');
    const masked = maskSecretProperties(text);
    expect(masked).not.toMatch(/s3cret|admin|PlainLoginModule/);
    expect(masked.split('\n')).toEqual(['sasl.jaas.config=***\\', '***\\', '***', 'num.partitions=3 \\\\', 'after=1']);
  });
});
