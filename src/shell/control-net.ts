/**
 * How the control node reaches the cluster's ports for its own checks (ZooKeeper znode round
 * trip, Kafka canary and admin, the status wire client, TCP probes). Directly by default;
 * when hosts sit behind a bastion the engine installs a route (transport: local port
 * forwards over the bastion's one SSH connection), and every check goes through it without
 * knowing. A seam, not a transport: it imports nothing but node:net.
 */
import net from 'node:net';

export interface ControlNetRoute {
  /** A local endpoint that reaches host:port (a port forward), or undefined: connect directly. */
  endpoint(host: string, port: number): Promise<{ host: string; port: number }> | undefined;
  /** Whether host:port accepts a connection, asked at the far end (a local forward always accepts). */
  probe(host: string, port: number, timeoutMs: number): Promise<boolean> | undefined;
}

let route: ControlNetRoute | undefined;

/** Installed by the engine before a run (undefined: direct). */
export function setControlNetRoute(r: ControlNetRoute | undefined): void {
  route = r;
}

/** Where to connect for host:port. */
export async function reachEndpoint(host: string, port: number): Promise<{ host: string; port: number }> {
  return (await route?.endpoint(host, port)) ?? { host, port };
}

/** A TCP socket to host:port, through the route when there is one (returned at once, connects when ready). */
export function connectSocket(host: string, port: number, onConnect?: () => void): net.Socket {
  const mapped = route?.endpoint(host, port);
  if (!mapped) return net.connect({ host, port }, onConnect);
  const s = new net.Socket();
  mapped.then(
    (e) => {
      if (!s.destroyed) s.connect(e.port, e.host, onConnect);
    },
    (err: Error) => s.destroy(err),
  );
  return s;
}

/** host:port accepts a TCP connection within timeoutMs. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const far = route?.probe(host, port, timeoutMs);
  if (far) return far;
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** `host:port,host:port` (a ZooKeeper connect string) with each server mapped through the route. */
export async function reachConnectString(connect: string): Promise<string> {
  if (!route) return connect;
  const [servers, ...chroot] = connect.split('/');
  const mapped = await Promise.all(
    servers!.split(',').map(async (s) => {
      const i = s.lastIndexOf(':');
      const host = i > 0 ? s.slice(0, i) : s;
      const port = i > 0 ? Number(s.slice(i + 1)) : 2181;
      const e = await reachEndpoint(host, port);
      return `${e.host}:${e.port}`;
    }),
  );
  return [mapped.join(','), ...chroot].join('/');
}
