/**
 * The end-to-end ZooKeeper check with a real client (node-zookeeper-client): write a
 * znode through the first node, read it back through every other node, delete it.
 */
import { randomBytes } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import type { VerifyCheck } from '../role.js';
import { connectClient, readZnode } from './zookeeper-client.js';

interface Endpoint {
  name: string;
  connect: string;
}

export async function verifyZnodeRoundTrip(endpoints: Endpoint[]): Promise<VerifyCheck[]> {
  const path = `/zkk-verify-${randomBytes(4).toString('hex')}`;
  const value = `written via ${endpoints[0]!.name} at ${new Date().toISOString()}`;
  const checks: VerifyCheck[] = [];
  const writer = await connectClient(endpoints[0]!.connect);
  try {
    await new Promise<void>((res, rej) =>
      writer.create(path, Buffer.from(value), zookeeper.CreateMode.PERSISTENT, (e: unknown) => (e ? rej(new Error(String(e))) : res())),
    );
    checks.push({ name: 'zookeeper.znode-write', host: endpoints[0]!.name, ok: true, detail: `created ${path}` });
    for (const ep of endpoints.slice(1)) {
      let detail: string;
      let ok = false;
      try {
        const reader = await connectClient(ep.connect);
        try {
          const got = await readWithRetry(reader, path);
          ok = got === value;
          detail = ok ? `read ${path} back` : `read a different value: ${got}`;
        } finally {
          reader.close();
        }
      } catch (e) {
        detail = `cannot read ${path}: ${(e as Error).message}`;
      }
      checks.push({ name: 'zookeeper.znode-read', host: ep.name, ok, detail });
    }
  } catch (e) {
    checks.push({ name: 'zookeeper.znode-write', host: endpoints[0]!.name, ok: false, detail: (e as Error).message });
  } finally {
    await new Promise<void>((res) => writer.remove(path, -1, () => res()));
    writer.close();
  }
  return checks;
}

async function readWithRetry(client: zookeeper.Client, path: string): Promise<string> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await readZnode(client, path);
    } catch (e) {
      // a follower may lag a few ms behind the leader
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
