/** The steps `zkk rebalance --dry-run` prints, in the order applyRebalance runs them. */
import { describe, expect, it } from 'vitest';
import { stepsOf, type ClusterAssignment } from '../../../../src/roles/kafka/rebalance.js';
import { planReassignment, type PartitionAssignment } from '../../../../src/roles/kafka/reassignment-plan.js';

function cluster(assignment: PartitionAssignment[], brokers: number[], ongoing = 0): ClusterAssignment {
  return {
    metadata: { clusterId: 'c', controllerId: 1, brokers: brokers.map((nodeId) => ({ nodeId, host: 'h', port: 9092, rack: null })), topics: [] },
    brokers,
    assignment,
    ongoing: Array.from({ length: ongoing }, (_, i) => ({ topic: 't', partition: i, replicas: [1, 2, 3, 4], adding: [4], removing: [1] })),
    plan: planReassignment(assignment, brokers),
  };
}
const unbalanced: PartitionAssignment[] = Array.from({ length: 4 }, (_, p) => ({ topic: 't', partition: p, replicas: [1, 2, 3] }));

describe('stepsOf', () => {
  it('resume → throttle → reassign → wait → remove throttles → elect', () => {
    expect(stepsOf(cluster(unbalanced, [1, 2, 3, 4], 2), 20 * 1048576)).toEqual([
      'wait for the 2 reassignment(s) already in progress (then plan again)',
      'throttle replication to 20.0 MB/s on brokers 1,2,3,4 for 1 topic(s)',
      expect.stringMatching(/^reassign 4 partition\(s\): 3 replica copies, 3 preferred-leader change\(s\)$/),
      'wait until no reassignment is left and every moved partition has its full ISR',
      'remove replication throttles (brokers and topics in scope)',
      'elect preferred leaders where the first replica is not the leader',
    ]);
  });
  it('a balanced cluster without a throttle: only the clean-up steps', () => {
    const even: PartitionAssignment[] = [{ topic: 't', partition: 0, replicas: [1, 2] }, { topic: 't', partition: 1, replicas: [2, 1] }];
    expect(stepsOf(cluster(even, [1, 2]), undefined)).toEqual(['remove replication throttles (brokers and topics in scope)', 'elect preferred leaders where the first replica is not the leader']);
  });
});
