/** `zkk validate` and `zkk schema`. */
import { loadInventory } from '../inventory/load.js';
import { inventoryJsonSchema } from '../inventory/schema.js';
import { inventorySections } from '../roles/inventory-sections.js';

export async function validateCommand(file: string): Promise<void> {
  const inv = await loadInventory(file, inventorySections);
  for (const w of inv.warnings) process.stderr.write(`warning: ${w}\n`);
  const zk = inv.hosts.filter((h) => h.zookeeper).length;
  const kafka = inv.hosts.filter((h) => h.kafka).length;
  process.stdout.write(`${file}: ok — cluster ${inv.cluster}, ${inv.hosts.length} host(s), ${zk} ZooKeeper, ${kafka} Kafka\n`);
}

export async function schemaCommand(flags: { markdown?: boolean; status?: boolean } = {}): Promise<void> {
  if (flags.status) {
    const { statusReportJsonSchema } = await import('../engine/status-schema.js');
    process.stdout.write(`${JSON.stringify(statusReportJsonSchema(), null, 2)}\n`);
  } else if (flags.markdown) {
    const { inventoryReferenceMarkdown } = await import('../inventory/reference.js');
    process.stdout.write(`${inventoryReferenceMarkdown(inventorySections)}\n`);
  } else process.stdout.write(`${JSON.stringify(inventoryJsonSchema(inventorySections), null, 2)}\n`);
}
