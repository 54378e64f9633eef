/** The Kafka server process: where its pid file is and how its command line looks. */
import { processProbe } from '../../facts/probes.js';
import type { ResolvedKafka } from '../../inventory/resolve.js';

/** Written by zkk's init script / unit (kafka-server-start.sh -daemon writes none). */
export const kafkaPidFile = (k: ResolvedKafka): string => `${k.logDir}/kafka.pid`;
export const kafkaProcessProbe = (k: ResolvedKafka) => processProbe(kafkaPidFile(k), 'kafka.Kafka');
