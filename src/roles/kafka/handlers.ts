/** The Kafka role's handler ids: other roles notify them (e.g. a new JDK restarts the broker). */
export const KAFKA_RESTART = 'kafka.restart';
