/** What the upgrade tests read on the hosts themselves (independent of zkk): feature levels and JVM ages. */
import { hostSsh } from '../e2e/target.js';
import { runZkk, type ZkkResult } from '../e2e/helpers.js';

/** `kafka-features.sh describe` on a broker host, against its listener (`address`:9092): the finalized level of one feature (metadata.version: e.g. 4.3-IV0) */
export async function finalizedFeature(host: { name: string; address: string }, feature = 'metadata.version'): Promise<string> {
  const r = await hostSsh(host.name, `KAFKA_HEAP_OPTS=-Xmx128m /usr/local/kafka/bin/kafka-features.sh --bootstrap-server ${host.address}:9092 describe 2>&1`);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`Feature: ${feature}\t`) || l.startsWith(`Feature: ${feature} `));
  return (line && /FinalizedVersionLevel:\s*(\S+)/.exec(line)?.[1]) ?? `? (exit ${r.code}) ${r.stdout}${r.stderr}`;
}

/** per host: how many seconds ago its Kafka JVM started */
export async function kafkaJvmAges(hosts: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(hosts.map(async (h) => (out[h] = Number((await hostSsh(h, 'ps -o etimes= -p "$(cat /var/log/kafka/kafka.pid)" | tr -d " "')).stdout.trim()))));
  return out;
}

export const majorMinor = (version: string): string => version.split('.').slice(0, 2).join('.');

/** zkk deploy --json, its wall time printed and returned */
export async function timedDeploy(inv: string, what: string): Promise<ZkkResult & { seconds: number }> {
  const started = Date.now();
  const r = await runZkk(['deploy', inv, '--json']);
  const seconds = (Date.now() - started) / 1000;
  console.log(`${what}: ${seconds.toFixed(1)} s`);
  return { ...r, seconds };
}
