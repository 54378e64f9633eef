/**
 * The KRaft controller-set gate of `zkk deploy`/`zkk plan` (pure): the inventory's controllers
 * against the voters the running quorum reports (DescribeQuorum).
 *   - dynamic quorum (KIP-853), controllers added: allowed — deploy formats each new one with
 *     --no-initial-controllers, starts it (an observer) and, once caught up, adds it as a voter
 *     (controller-membership.ts), one at a time.
 *   - dynamic quorum, a voter without its host line: refused — `zkk decommission` removes it
 *     from the quorum (RemoveRaftVoter) and stops it; only then is the line deleted. A deploy
 *     cannot reach a host that left the inventory, and a voter stopped without being removed
 *     stays counted in the majority.
 *   - static quorum (controller.quorum.voters): a running quorum cannot change its voters:
 *     refused, with what is possible.
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
  // deploy adds the new controllers of a dynamic quorum itself
  if (quorum === 'dynamic' && removing.length === 0) return undefined;
  const votersText = [...live].sort((a, b) => a - b).join(', ');
  if (quorum === 'static') {
    const what = [adding.length ? `add controller(s) ${adding.join(', ')}` : '', removing.length ? `remove controller(s) ${removing.join(', ')}` : ''].filter(Boolean).join(' and ');
    return {
      adding,
      removing,
      message: `the inventory would ${what}, but the running KRaft quorum's voters are ${votersText} (static quorum: controller.quorum.voters, Kafka ${version}); a static quorum cannot change its voters while it runs`,
      hint:
        `keep the controller hosts as they are. zkk adds and removes controllers on a dynamic quorum only (kafka.quorum: dynamic, KIP-853), chosen when the cluster is first deployed. ` +
        `A static cluster can become dynamic by hand on Kafka ≥ 4.1 (kafka-features.sh upgrade --feature kraft.version=1; zkk does not automate or test that), ` +
        `or be rebuilt with the cluster stopped (see README, "KRaft controllers")`,
    };
  }
  return {
    adding,
    removing,
    message: `the inventory has no host for controller(s) ${removing.join(', ')}, still voter(s) of the running KRaft quorum (voters ${votersText}, dynamic quorum, Kafka ${version})`,
    hint:
      `put the host line back and run \`zkk decommission <inventory> <host>\`: it removes the controller from the quorum (RemoveRaftVoter), waits until the quorum shows it gone and stops it (its data kept); then delete the line` +
      (adding.length ? `. One membership change at a time: the new controller(s) ${adding.join(', ')} are added by a deploy before or after, not in the same run` : ''),
  };
}
