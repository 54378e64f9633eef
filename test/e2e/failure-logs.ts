/**
 * A failed lab test prints what the services logged, before afterAll tears the hosts down and
 * the logs with them: call `printLogsOnFailure(hosts)` at the start of a test. Per host, the
 * last lines of Kafka's and ZooKeeper's logs (server.log, kafkaServer.out, kafka-authorizer.log,
 * zookeeper.log) that carry WARN/ERROR/FATAL or an authorizer's DENIED, plus the very last lines of each file.
 */
import { onTestFailed } from 'vitest';
import { hostSsh } from './target.js';

const FILES = ['/var/log/kafka/server.log', '/var/log/kafka/kafkaServer.out', '/var/log/kafka/kafka-authorizer.log', '/var/log/zookeeper/zookeeper.log'];

export function printLogsOnFailure(hosts: () => readonly string[]): void {
  onTestFailed(async () => {
    for (const h of hosts()) {
      const cmd = FILES.map((f) => `if [ -f ${f} ]; then echo "--- ${f}"; grep -E "WARN|ERROR|FATAL|Exception|DENIED" ${f} | tail -n 15; echo "--- ${f} (last lines)"; tail -n 8 ${f}; fi`).join('; ');
      const r = await hostSsh(h, cmd, { timeoutMs: 15_000 }).catch((e: Error) => ({ stdout: '', stderr: e.message, code: -1 }));
      console.log(`===== logs of ${h} (the test failed)\n${r.stdout}${r.stderr}`);
    }
  });
}
