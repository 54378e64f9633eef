/**
 * A minimal Kafka protocol client for cluster checks from the control node:
 * ApiVersions, Metadata (all topics), DescribeConfigs (topic min.insync.replicas), Fetch (one
 * partition from an offset, with no consumer group — kafkajs has no manual assignment) and
 * DescribeQuorum (the KRaft quorum — kafkajs has no such call, and
 * kafka-metadata-quorum.sh starts a JVM on a host for every question).
 *
 * Why not kafkajs for metadata: its Metadata parser throws on any partition error, so a
 * partition without a leader (LEADER_NOT_AVAILABLE) makes the whole call fail instead of
 * being counted as offline. Here partition errors are data.
 *
 * Message layouts follow the JSON specs shipped in kafka-clients (common/message/*.json);
 * versions are negotiated with ApiVersions, flexible versions use compact encodings and
 * tagged fields.
 */
export { API, connectAny, defaultWireSecurity, KafkaWireConnection, setDefaultWireSecurity, type VersionRange, type WireOptions, type WireSecurity } from './connection.js';
export { scramLogin, SASL_AUTHENTICATION_FAILED } from './sasl-authenticate.js';
export { KafkaWireError, errorName } from './wire-error.js';
export { fetchMetadata, type ClusterMetadata, type MetadataPartition, type MetadataTopic } from './metadata.js';
export { topicMinIsr } from './describe-configs.js';
export { describeQuorum, describeQuorumViaControllers, METADATA_TOPIC, type QuorumDescription, type QuorumReplica } from './describe-quorum.js';
export { fetchPartition, type FetchedPartition, type FetchPartitionRequest } from './fetch.js';
export type { FetchedRecord } from './record-batch.js';
export { alterPartitionReassignments, type PartitionResult, type PartitionTarget } from './alter-partition-reassignments.js';
export { listPartitionReassignments, type OngoingReassignment } from './list-partition-reassignments.js';
export { incrementalAlterConfigs, type ConfigChange } from './incremental-alter-configs.js';
export { electPreferredLeaders } from './elect-leaders.js';
export { unregisterBroker } from './unregister-broker.js';
export { addRaftVoter, type NewVoter } from './add-raft-voter.js';
export { removeRaftVoter } from './remove-raft-voter.js';
export { describeAcls, ALL_ACLS, type AclBinding, type AclFilter, type AclOperation, type AclPatternType, type AclPermission, type AclResourceType } from './describe-acls.js';
export { createAcls } from './create-acls.js';
export { deleteAcls } from './delete-acls.js';
export { describeUserScramCredentials, type UserScramCredentials } from './describe-user-scram-credentials.js';
export { alterUserScramCredentials, scramSha512Credential, SCRAM_ITERATIONS, type ScramUpsertion } from './alter-user-scram-credentials.js';
