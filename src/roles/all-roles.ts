/** The roles in the order the engine applies them: Java, then ZooKeeper, then Kafka. */
import type { Role } from './role.js';
import { javaRole } from './java/java-role.js';
import { zookeeperRole } from './zookeeper/zookeeper-role.js';
import { kafkaRole } from './kafka/kafka-role.js';

export const allRoles: Role[] = [javaRole, zookeeperRole, kafkaRole];
