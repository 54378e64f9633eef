/**
 * server.properties of a secured KRaft node: SASL_SSL for clients and brokers, SSL (client
 * certificates required) on the controller listener, PEM keystore/truststore, a PLAINTEXT
 * listener only when asked; the file is 0640 root:kafka and its diff masks the JAAS password.
 */
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../../src/inventory/load.js';
import { inventorySections } from '../../../../src/roles/all-roles.js';
import { kafkaHosts, renderKafkaFiles } from '../../../../src/roles/kafka/config.js';
import { serverPropertiesAccess } from '../../../../src/roles/kafka/security.js';

const inventory = (extra = '') =>
  parseInventory(
    `cluster: k\nkafka: { version: 4.4.0 }\nsecurity:\n  sasl: { adminPassword: { env: PW } }${extra}\nhosts:\n` + [11, 12, 13].map((n) => `  - { name: k${n}, address: 10.213.0.${n}, roles: [kafka] }\n`).join(''),
    'k.yml',
    inventorySections,
  );

describe('secured Kafka server.properties', () => {
  it('KRaft: SASL_SSL clients and brokers, SSL controllers, PEM stores', () => {
    const inv = inventory();
    const h = kafkaHosts(inv)[1]!;
    const f = renderKafkaFiles(inv, h, { adminPassword: 's3cret-pass' }).serverProperties;
    expect(f).toContain('listeners=SASL_SSL://10.213.0.12:9092,CONTROLLER://10.213.0.12:9093');
    expect(f).toContain('advertised.listeners=SASL_SSL://10.213.0.12:9092\n');
    expect(f).toContain('listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL\n');
    expect(f).toContain('inter.broker.listener.name=SASL_SSL');
    expect(f).toContain('sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512');
    expect(f).toContain('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="zkk-admin" password="s3cret-pass";');
    expect(f).toContain('ssl.keystore.type=PEM\nssl.keystore.location=/etc/kafka/tls/keystore.pem');
    expect(f).toContain('ssl.truststore.location=/etc/kafka/tls/ca.pem');
    expect(f).toContain('listener.name.controller.ssl.client.auth=required');
    expect(f).not.toContain('PLAINTEXT://');
    const access = serverPropertiesAccess(h, h.kafka);
    expect(access).toMatchObject({ owner: 'root', group: 'kafka', mode: '0640' });
    expect(access.maskDiff(f)).not.toContain('s3cret-pass');
  });

  it('a PLAINTEXT listener only with security.plaintextPort', () => {
    const inv = inventory('\n  plaintextPort: 9094');
    const f = renderKafkaFiles(inv, kafkaHosts(inv)[0]!, { adminPassword: 'x' }).serverProperties;
    expect(f).toContain('listeners=SASL_SSL://10.213.0.11:9092,PLAINTEXT://10.213.0.11:9094,CONTROLLER://10.213.0.11:9093');
    expect(f).toContain('listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT');
  });

  it('without security: unchanged (PLAINTEXT everywhere)', () => {
    const inv = parseInventory('cluster: k\nkafka: { version: 4.4.0 }\nhosts:\n  - { name: k1, address: 10.213.0.11, roles: [kafka] }\n', 'k.yml', inventorySections);
    const f = renderKafkaFiles(inv, kafkaHosts(inv)[0]!).serverProperties;
    expect(f).toContain('inter.broker.listener.name=PLAINTEXT');
    expect(f).not.toMatch(/sasl|ssl\./);
  });
});
