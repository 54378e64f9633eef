/**
 * The role registry: the roles in the order the engine applies them (Java, then
 * ZooKeeper, then Kafka). Adding a role = its folder + one line here, and one line in
 * inventory-sections.ts when it has an inventory block.
 */
import type { Role } from './role.js';
import { javaRole } from './java/java-role.js';
import { zookeeperRole } from './zookeeper/zookeeper-role.js';
import { kafkaRole } from './kafka/kafka-role.js';

export const allRoles: Role[] = [javaRole, zookeeperRole, kafkaRole];

export { inventorySections } from './inventory-sections.js';
