/**
 * The order Kafka nodes are restarted (a rolling upgrade, a config roll) and stopped in (pure):
 * brokers first, then the standby controllers, the active controller last — so the controller
 * quorum elects once, at the end, and never while a broker is down. Ties keep their order.
 */
export interface RollNode {
  nodeId: number;
  processRoles: readonly ('broker' | 'controller')[];
}

export function rollOrder<T>(items: readonly T[], node: (t: T) => RollNode, activeController: number | undefined): T[] {
  const rank = (t: T) => (node(t).nodeId === activeController ? 2 : node(t).processRoles.includes('controller') ? 1 : 0);
  return [...items].sort((a, b) => rank(a) - rank(b));
}
