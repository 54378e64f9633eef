/**
 * The role registry: the roles in the order the engine applies them (Java, then
 * ZooKeeper, then Kafka). Adding a role = its folder + one line here; its inventory
 * block reaches the inventory loader through `inventorySections`.
 */
import type { InventorySection } from '../inventory/section.js';
import type { Role } from './role.js';
import { javaRole } from './java/java-role.js';
import { zookeeperRole } from './zookeeper/zookeeper-role.js';
import { kafkaRole } from './kafka/kafka-role.js';

export const allRoles: Role[] = [javaRole, zookeeperRole, kafkaRole];

/** The inventory blocks of the registered roles, in registry order (the schema's key order). */
export const inventorySections: readonly InventorySection[] = allRoles.flatMap((r) => (r.settings ? [r.settings] : []));
