/**
 * The host side of `zkk decommission`: stop the broker and keep it from starting at boot
 * (ops/service.ts retireServiceCommand). Data directories are kept.
 */
import type { ResolvedKafka } from '../../inventory/resolve.js';
import type { Command } from '../../shell/command.js';
import { retireServiceCommand } from '../../ops/service.js';

export function retireBrokerCommand(k: ResolvedKafka): Command {
  return retireServiceCommand(k.serviceName);
}
