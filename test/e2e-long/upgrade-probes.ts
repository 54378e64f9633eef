/** What the upgrade tests read on the hosts themselves (independent of zkk): feature levels and JVM ages. */
import { hostSsh } from '../e2e/target.js';
import { runZkk, type ZkkResult } from '../e2e/helpers.js';

/** `kafka-features.sh describe` on a broker host, against its listener (`address`:9092): the finalized level of each feature asked (metadata.version: e.g. 4.3-IV0), one JVM for all */
export async function finalizedFeatures(host: { name: string; address: string }, features: readonly string[]): Promise<string[]> {
  const r = await hostSsh(host.name, `KAFKA_HEAP_OPTS=-Xmx128m /usr/local/kafka/bin/kafka-features.sh --bootstrap-server ${host.address}:9092 describe 2>&1`);
  return features.map((feature) => {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`Feature: ${feature}\t`) || l.startsWith(`Feature: ${feature} `));
    return (line && /FinalizedVersionLevel:\s*(\S+)/.exec(line)?.[1]) ?? `? (exit ${r.code}) ${r.stdout}${r.stderr}`;
  });
}

/** the finalized level of one feature (finalizedFeatures) */
export async function finalizedFeature(host: { name: string; address: string }, feature = 'metadata.version'): Promise<string> {
  return (await finalizedFeatures(host, [feature]))[0]!;
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

/**
 * per host: the release its install link points at and the release its running Kafka JVM was
 * started from (the kafka-clients-<v>.jar on the JVM's classpath, read from /proc), so a roll or a
 * rollback is shown to have switched the running binaries, not only the link
 */
export async function kafkaReleases(hosts: readonly string[]): Promise<Record<string, { link: string; jvm: string }>> {
  const out: Record<string, { link: string; jvm: string }> = {};
  const cmd = 'readlink /usr/local/kafka; pid=$(cat /var/log/kafka/kafka.pid | tr -dc 0-9); tr "\\0:" "\\n\\n" < /proc/$pid/cmdline | grep -m1 -oE "kafka-clients-[0-9][^/]*\\.jar$"';
  await Promise.all(
    hosts.map(async (h) => {
      const [link = '', jar = ''] = (await hostSsh(h, cmd)).stdout.trim().split('\n');
      out[h] = { link: link.trim(), jvm: jar.trim().replace(/^kafka-clients-/, '').replace(/\.jar$/, '') };
    }),
  );
  return out;
}

/** what kafkaReleases shows on every host once they all run `version` */
export const allOn = (hosts: readonly string[], version: string): Record<string, { link: string; jvm: string }> =>
  Object.fromEntries(hosts.map((h) => [h, { link: `/usr/local/kafka_2.13-${version}`, jvm: version }]));
