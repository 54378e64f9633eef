/** Kafka protocol error codes by name, and the error the wire client throws for them. */

const ERROR_NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  9: 'REPLICA_NOT_AVAILABLE',
  15: 'COORDINATOR_NOT_AVAILABLE',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  41: 'NOT_CONTROLLER',
  72: 'LISTENER_NOT_FOUND',
  103: 'INCONSISTENT_VOTER_SET',
  108: 'UNKNOWN_LEADER_EPOCH',
};

export const errorName = (code: number): string => ERROR_NAMES[code] ?? `error ${code}`;

export class KafkaWireError extends Error {
  constructor(
    message: string,
    readonly errorCode?: number,
  ) {
    super(message);
    this.name = 'KafkaWireError';
  }
}
