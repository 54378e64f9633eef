/** What a Kafka node needs from its host (see roles/preflight.ts). */
import type { RolePreflight } from '../preflight.js';
import { kafkaPorts } from './config.js';

/** Kafka 4 brokers, controllers and tools need Java 17 (KIP-750); 3.x runs on 8+ (zkk asks 11, java.minVersion). */
const javaMinFor = (version: string): number => (Number(version.split('.')[0]) >= 4 ? 17 : 11);
/** As LimitNOFILE in templates/kafka/kafka.service.hbs. */
const KAFKA_NOFILE = 100000;

const SETTING_OF: Record<string, string> = { 'kafka controller': 'kafka.controllerPort', 'kafka metrics': 'kafka.metricsPort' };

export const kafkaPreflight: RolePreflight = {
  needs(_inv, host) {
    const k = host.kafka;
    if (!k) return undefined;
    return {
      component: `kafka ${k.version}`,
      ports: kafkaPorts(k).map((p) => ({ port: p.port, setting: SETTING_OF[p.what] ?? 'kafka.port', processMarker: 'kafka.Kafka' })),
      dataDirs: k.logDirs.map((path, i) => ({ path, setting: `kafka.logDirs[${i}]` })),
      user: k.user,
      nofile: KAFKA_NOFILE,
      javaMin: javaMinFor(k.version),
      names: [...new Set([host.address, k.advertisedHost])],
    };
  },
};
