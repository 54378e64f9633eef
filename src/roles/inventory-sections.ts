/**
 * The inventory blocks of the registered roles, in registry order (the schema's key
 * order). Kept apart from all-roles.ts so that reading an inventory (validate, schema,
 * init) loads the roles' settings, not their implementations (Kafka's client and wire).
 */
import type { InventorySection } from '../inventory/section.js';
import { kafkaInventorySection } from './kafka/inventory-section.js';
import { zookeeperInventorySection } from './zookeeper/inventory-section.js';
import { securityInventorySection } from './security/inventory-section.js';

export const inventorySections: readonly InventorySection[] = [zookeeperInventorySection, kafkaInventorySection, securityInventorySection];
