/**
 * The host side of `zkk decommission`: stop the broker and keep it from starting at boot
 * (systemd unit or init.d script, whichever the host has). Data directories are kept.
 * Idempotent: a stopped, disabled broker stays so.
 */
import type { ResolvedKafka } from '../../inventory/resolve.js';
import { quote, script, type Command } from '../../shell/command.js';

export function retireBrokerCommand(k: ResolvedKafka): Command {
  const name = quote(k.serviceName);
  const unit = quote(`/etc/systemd/system/${k.serviceName}.service`);
  const init = quote(`/etc/init.d/${k.serviceName}`);
  return script(
    [
      `if command -v systemctl >/dev/null 2>&1 && [ -f ${unit} ]; then`,
      `  systemctl stop ${name} || exit 1`,
      `  systemctl disable ${name} >/dev/null 2>&1 || true`,
      `elif [ -x ${init} ]; then`,
      `  ${init} stop || exit 1`,
      `  if command -v update-rc.d >/dev/null 2>&1; then update-rc.d -f ${name} remove >/dev/null; elif command -v chkconfig >/dev/null 2>&1; then chkconfig --del ${name}; fi`,
      'fi',
    ].join('\n'),
    `stop and disable ${k.serviceName}`,
  );
}
