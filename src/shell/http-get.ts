/**
 * A plain HTTP/1.0 GET from the control node (a Prometheus endpoint: `zkk status`, the
 * tests), through the control-net route like every other check (hosts behind a bastion
 * are reached over its port forwards). Bounded: a timeout and a cap on the body.
 */
import { connectSocket } from './control-net.js';

export interface HttpGetResult {
  status: number;
  body: string;
  ms: number;
}

const MAX_BODY = 8 * 1024 * 1024;

export function httpGet(host: string, port: number, path: string, timeoutMs = 3000): Promise<HttpGetResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const s = connectSocket(host, port, () => s.write(`GET ${path} HTTP/1.0\r\nHost: ${host}:${port}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n`));
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      s.destroy();
      reject(e);
    };
    s.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)));
    s.on('error', (e: NodeJS.ErrnoException) => fail(new Error(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message)));
    s.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY) return fail(new Error(`answer larger than ${MAX_BODY} bytes`));
      chunks.push(b);
    });
    s.on('end', () => {
      if (settled) return;
      settled = true;
      const text = Buffer.concat(chunks).toString('utf8');
      const head = /^HTTP\/\d\.\d (\d{3})[^\r\n]*\r?\n/.exec(text);
      if (!head) return reject(new Error('not an HTTP answer'));
      const sep = text.indexOf('\r\n\r\n');
      resolve({ status: Number(head[1]), body: sep >= 0 ? text.slice(sep + 4) : '', ms: Date.now() - t0 });
    });
  });
}
