/** DescribeConfigs against a fake broker on loopback: the effective min.insync.replicas. */
import { describe, expect, it } from 'vitest';
import { WireWriter } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { topicMinIsr } from '../../../../src/roles/kafka/wire/describe-configs.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();

describe('Kafka wire client: DescribeConfigs', () => {
  it('DescribeConfigs: effective min.insync.replicas per topic', async () => {
    const port = await fakeBroker({ [API.describeConfigs]: [1, 4] }, (k, v) => {
      if (k !== API.describeConfigs) return undefined;
      const w = new WireWriter(v >= 4).int32(0);
      w.array(['urp', 'gone'], (x, name) => {
        x.int16(name === 'gone' ? 3 : 0).nullableString(null).int8(2).string(name);
        x.array(name === 'gone' ? [] : ['min.insync.replicas'], (y, key) => {
          y.string(key).string('3').bool(false).int8(1).bool(false);
          y.array([] as string[], () => undefined);
          if (v >= 3) y.int8(3).nullableString(null);
          y.tags();
        });
        x.tags();
      });
      w.tags();
      return w.bytes();
    });
    const c = await KafkaWireConnection.connect('127.0.0.1', port);
    try {
      expect(await topicMinIsr(c, ['urp', 'gone'])).toEqual(new Map([['urp', 3]]));
    } finally {
      c.close();
    }
  });
});
