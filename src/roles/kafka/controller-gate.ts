/**
 * The KRaft controller-set gate of `zkk deploy`/`zkk plan` (pure): the inventory's controllers
 * against the voters the running quorum reports (DescribeQuorum). Rendering a new voter list
 * and rolling it out would restart controllers with disagreeing quorums (static voters), or
 * format a joining controller as if it founded the cluster (dynamic): neither is done.
 * zkk does not automate a voter change yet; the refusal says what is possible and how.
 */
export interface ControllerChange {
  adding: number[];
  removing: number[];
  message: string;
  hint: string;
}

export function controllerChange(voters: readonly number[], inventoryControllers: readonly number[], quorum: 'static' | 'dynamic', version: string): ControllerChange | undefined {
  const live = new Set(voters);
  const wanted = new Set(inventoryControllers);
  const adding = [...wanted].filter((id) => !live.has(id)).sort((a, b) => a - b);
  const removing = [...live].filter((id) => !wanted.has(id)).sort((a, b) => a - b);
  if (adding.length === 0 && removing.length === 0) return undefined;
  const what = [adding.length ? `add controller(s) ${adding.join(', ')}` : '', removing.length ? `remove controller(s) ${removing.join(', ')}` : ''].filter(Boolean).join(' and ');
  const message = `the inventory would ${what}, but the running KRaft quorum's voters are ${[...live].sort((a, b) => a - b).join(', ')} (${quorum} quorum, Kafka ${version}); zkk does not change the voters of a running quorum`;
  const majority = Math.floor(voters.length / 2) + 1;
  if (quorum === 'static')
    return {
      adding,
      removing,
      message,
      hint:
        `a static quorum (controller.quorum.voters) cannot change its voters while running. Keep the controller hosts as they are; ` +
        `to change them, move to a dynamic quorum first (Kafka ≥ 4.1: kafka-features.sh upgrade --feature kraft.version=1, then quorum: dynamic), ` +
        `or rebuild the controllers with the cluster stopped (see README, "KRaft controllers")`,
    };
  return {
    adding,
    removing,
    message,
    hint:
      `by hand, one controller at a time (never fewer than ${majority} voters running): a new one is formatted with kafka-storage.sh format --no-initial-controllers, ` +
      `started (an observer), and once caught up added with kafka-metadata-quorum.sh --bootstrap-controller HOST:PORT add-controller --command-config server.properties on it; ` +
      `a leaving one is removed with kafka-metadata-quorum.sh remove-controller --controller-id ID --controller-directory-id DIR before it is stopped. Then make the inventory match`,
  };
}
