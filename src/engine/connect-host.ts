/** Connect to an inventory host: its resolved SSH settings plus the command line's overrides. */
import type { ResolvedHost } from '../inventory/resolve.js';
import type { Connector } from '../transport/connector.js';
import type { AskPassphrase } from '../transport/private-key.js';
import { setControlNetRoute } from '../shell/control-net.js';
import { connectSsh, controlNetThroughJumps, jumpStats, unlockIdentityFiles } from '../transport/ssh.js';

export type { AskPassphrase };

export interface ConnectOverrides {
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  /** Seconds. */
  connectTimeout?: number;
  connectRetries?: number;
  sudoPassword?: string;
  /** Asks for an identity file's passphrase (the CLI, on a terminal); absent: never asks. */
  askPassphrase?: AskPassphrase;
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
  }, { askPassphrase: o.askPassphrase });
}

/** Ask (once per key file) for the passphrases the hosts' identity files need, before connecting. */
export function unlockHostIdentities(hosts: readonly ResolvedHost[], ask: AskPassphrase): Promise<void> {
  return unlockIdentityFiles(hosts.map((h) => ({ ...h.ssh, name: h.name, address: h.address })), ask);
}

/**
 * The control node's own checks (znode round trip, canary, wire client, topic commands)
 * reach the hosts that sit behind a bastion through port forwards over the bastion's SSH
 * connection; the others directly.
 */
export function routeControlNet(hosts: readonly ResolvedHost[], o: ConnectOverrides = {}): void {
  setControlNetRoute(
    controlNetThroughJumps(
      hosts.map((h) => ({ ...h.ssh, name: h.name, address: h.address, hostKeyPolicy: o.hostKeyPolicy ?? h.ssh.hostKeyPolicy, connectTimeout: o.connectTimeout ?? h.ssh.connectTimeout })),
      o.connectRetries ?? 2,
      { askPassphrase: o.askPassphrase },
    ),
  );
}

/** SSH connections made to bastions so far in this process. */
export function bastionConnections(): number {
  return jumpStats.connections;
}
