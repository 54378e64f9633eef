/** The removal gate: broker ids holding replicas that no inventory host has. */
import { describe, expect, it } from 'vitest';
import { strayBrokers } from '../../../../src/roles/kafka/stray-brokers.js';
import type { ClusterMetadata } from '../../../../src/roles/kafka/wire/metadata.js';

const md = (brokers: number[], replicas: number[][]): ClusterMetadata => ({
  clusterId: 'c',
  controllerId: brokers[0] ?? -1,
  brokers: brokers.map((nodeId) => ({ nodeId, host: `10.214.0.${nodeId}`, port: 9092, rack: null })),
  topics: [{ name: 't', errorCode: 0, internal: false, partitions: replicas.map((r, i) => ({ partition: i, errorCode: 0, leader: r[0]!, replicas: r, isr: r, offlineReplicas: [] })) }],
});

describe('strayBrokers', () => {
  it('none when every replica is on an inventory broker', () => {
    expect(strayBrokers(md([1, 2, 3], [[1, 2, 3], [2, 3, 1]]), new Set([1, 2, 3]))).toEqual([]);
  });
  it('a registered broker whose host line is gone, with its replica count and address', () => {
    expect(strayBrokers(md([1, 2, 3, 4], [[1, 2, 4], [4, 3, 1], [1, 2, 3]]), new Set([1, 2, 3]))).toEqual([{ id: 4, replicas: 2, host: '10.214.0.4' }]);
  });
  it('a stopped broker still named in replica lists counts too; a registered broker without replicas does not', () => {
    expect(strayBrokers(md([1, 2, 3, 5], [[1, 2, 6]]), new Set([1, 2, 3]))).toEqual([{ id: 6, replicas: 1, host: undefined }]);
  });
});
