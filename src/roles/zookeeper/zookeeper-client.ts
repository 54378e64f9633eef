/**
 * node-zookeeper-client's callbacks as promises: a session, and one znode's data.
 *
 * With ZooKeeper TLS (security.zookeeper.tls) the servers speak TLS with client certificates
 * on secureClientPort, which node-zookeeper-client cannot: each server of a connect string
 * is then reached through a TLS bridge of this process — a listener on 127.0.0.1 whose every
 * connection is carried over node's TLS to the server, checking its certificate against the
 * cluster CA and the server's address, and presenting zkk's client certificate.
 */
import net from 'node:net';
import tls from 'node:tls';
import zookeeper from 'node-zookeeper-client';
import { connectSocket, reachConnectString } from '../../shell/control-net.js';

/** What zkk's ZooKeeper clients present to a TLS ensemble (undefined: plaintext). */
export interface ZookeeperClientTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

let clientTls: ZookeeperClientTls | undefined;
/** host:port → the local port of its bridge, and the bridges' listeners by local port. */
const bridges = new Map<string, Promise<number>>();
const listeners = new Map<number, net.Server>();

/** Set by the run's preparation (roles' prepare, status): every connectClient after it uses TLS. */
export function setZookeeperClientTls(t: ZookeeperClientTls | undefined): void {
  if (t?.certPem !== clientTls?.certPem || t?.caPem !== clientTls?.caPem) closeBridges();
  clientTls = t;
}

function closeBridges(): void {
  for (const server of listeners.values()) server.close();
  bridges.clear();
  listeners.clear();
}

/** A local port whose connections reach host:port over TLS (one listener per server, kept for the process, not keeping it alive). */
export function tlsBridge(host: string, port: number, t: ZookeeperClientTls): Promise<number> {
  const key = `${host}:${port}`;
  const known = bridges.get(key);
  if (known) return known;
  const made = new Promise<number>((resolve, reject) => {
    const server = net.createServer((local) => {
      // through the bastion's forward when there is one; the certificate is checked against the server's own address
      const raw = connectSocket(host, port);
      const secure = tls.connect({
        socket: raw,
        ca: t.caPem,
        cert: t.certPem,
        key: t.keyPem,
        ...(net.isIP(host) ? {} : { servername: host }),
        checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
        minVersion: 'TLSv1.2',
      });
      const drop = () => {
        local.destroy();
        secure.destroy();
      };
      secure.once('secureConnect', () => {
        local.pipe(secure);
        secure.pipe(local);
      });
      secure.once('error', drop);
      secure.once('close', drop);
      local.once('error', drop);
      local.once('close', drop);
    });
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const p = (server.address() as net.AddressInfo).port;
      listeners.set(p, server);
      resolve(p);
    });
  });
  bridges.set(key, made);
  made.catch(() => bridges.delete(key));
  return made;
}

/** `host:port,…/chroot` with each server behind its TLS bridge. */
async function bridgedConnectString(connect: string, t: ZookeeperClientTls): Promise<string> {
  const [servers, ...chroot] = connect.split('/');
  const mapped = await Promise.all(
    servers!.split(',').map(async (s) => {
      const i = s.lastIndexOf(':');
      return `127.0.0.1:${await tlsBridge(s.slice(0, i), Number(s.slice(i + 1)), t)}`;
    }),
  );
  return [mapped.join(','), ...chroot].join('/');
}

export async function connectClient(connect: string, timeoutMs = 10_000): Promise<zookeeper.Client> {
  // through the bastion's port forwards when there is one (the TLS bridge goes through them itself)
  const reachable = clientTls ? await bridgedConnectString(connect, clientTls) : await reachConnectString(connect);
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(reachable, { sessionTimeout: 10_000, spinDelay: 200, retries: 2 });
    const t = setTimeout(() => {
      client.close();
      reject(new Error(`no ZooKeeper session with ${connect} within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    client.once('connected', () => {
      clearTimeout(t);
      resolve(client);
    });
    client.connect();
  });
}

/** A znode's data as text ('' for none). */
export function readZnode(client: zookeeper.Client, path: string): Promise<string> {
  return new Promise((resolve, reject) => client.getData(path, (e: unknown, data?: Buffer) => (e ? reject(new Error(String(e))) : resolve(data?.toString() ?? ''))));
}

/** A znode's children ([] when it does not exist). */
export function listChildren(client: zookeeper.Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    client.getChildren(path, (e: unknown, children?: string[]) => {
      if (!e) return resolve(children ?? []);
      return (e as { getCode?: () => number }).getCode?.() === zookeeper.Exception.NO_NODE ? resolve([]) : reject(new Error(String(e)));
    }),
  );
}

/** Delete a znode at the version read (-1: any); a znode already gone is not an error. */
export function deleteZnode(client: zookeeper.Client, path: string, version = -1): Promise<void> {
  return new Promise((res, rej) =>
    client.remove(path, version, (e: unknown) => (e && !/NO_NODE/.test(String(e)) ? rej(new Error(`delete ${path}: ${String(e)}`)) : res())),
  );
}
