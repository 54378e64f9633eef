/** Connect to an inventory host: its resolved SSH settings plus the command line's overrides. */
import type { ResolvedHost } from '../inventory/resolve.js';
import type { Connector } from '../transport/connector.js';
import { connectSsh } from '../transport/ssh.js';

export interface ConnectOverrides {
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  /** Seconds. */
  connectTimeout?: number;
  connectRetries?: number;
  sudoPassword?: string;
}

export function connectHost(host: ResolvedHost, o: ConnectOverrides = {}): Promise<Connector> {
  const { hostKeyPolicy, connectTimeout, connectRetries, ...ssh } = host.ssh;
  return connectSsh({
    ...ssh,
    name: host.name,
    address: host.address,
    hostKeyPolicy: o.hostKeyPolicy ?? hostKeyPolicy,
    connectTimeout: o.connectTimeout ?? connectTimeout,
    connectRetries: o.connectRetries ?? connectRetries,
    sudoPassword: o.sudoPassword,
  });
}
