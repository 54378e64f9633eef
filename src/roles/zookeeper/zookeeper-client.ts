/** node-zookeeper-client's callbacks as promises: a session, and one znode's data. */
import zookeeper from 'node-zookeeper-client';
import { reachConnectString } from '../../shell/control-net.js';

export async function connectClient(connect: string, timeoutMs = 10_000): Promise<zookeeper.Client> {
  const reachable = await reachConnectString(connect); // through the bastion's port forwards when there is one
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
