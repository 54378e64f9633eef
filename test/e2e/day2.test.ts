/**
 * Issue 20 on real lab hosts, ZooKeeper mode co-located on 3 hosts (the seeds' layout):
 * the seeds' own commands give the right answers on a zkk host.
 * The restart gates refusing and `zkk uninstall` both ways: test/e2e-long/day2-gates.test.ts;
 * the rolling restart under live traffic and the whole-cluster stop/start: test/e2e-long/day2-roll.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hostSsh, T } from './target.js';
import { changedSteps, runZkk } from './helpers.js';
import { addresses as clusterAddresses, day2Cluster, HOSTS } from './day2-cluster.js';

const cluster = day2Cluster('day2.test.ts');
const addresses = () => clusterAddresses(cluster);

describe('the stock commands on a zkk host (ZooKeeper mode)', () => {
  it('zkServer.sh status, zkCli.sh, kafka-topics.sh, console producer/consumer, config/server.properties, service status', async () => {
    // the links the stock scripts read are deploy steps: a second deploy changes nothing
    expect(changedSteps((await runZkk(['plan', cluster.inv, '--json'])).report!)).toEqual([]);
    // as the seeds do: a topic and a znode with the stock tools
    const a = addresses()[0];
    expect((await hostSsh('zk1', `/usr/local/kafka/bin/kafka-topics.sh --bootstrap-server ${a}:9092 --create --topic e2e-day2-stock --partitions 3 --replication-factor 3`)).code).toBe(0);
    expect((await hostSsh('zk1', "printf 'create /e2e-day2 kept\\nquit\\n' | timeout 90 /usr/local/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 2>&1")).code).toBe(0);
    const modes = await Promise.all(HOSTS.map(async (h) => (await hostSsh(h, '/usr/local/zookeeper/bin/zkServer.sh status 2>&1')).stdout));
    expect(modes.map((m) => /^Mode: (\w+)/m.exec(m)?.[1]).sort(), modes.join('\n')).toEqual(['follower', 'follower', 'leader']);
    const cli = await hostSsh('zk2', "cd /usr/local/zookeeper/bin && printf 'ls /\\nquit\\n' | timeout 90 ./zkCli.sh 2>&1");
    expect(cli.stdout).toMatch(/\[.*e2e-day2.*\]/);
    const topics = await hostSsh('zk1', `/usr/local/kafka/bin/kafka-topics.sh --bootstrap-server ${a}:9092 --list`);
    expect(topics.stdout.split('\n')).toContain('e2e-day2-stock');
    await hostSsh('zk1', `echo hello-from-the-seeds | /usr/local/kafka/bin/kafka-console-producer.sh --bootstrap-server ${a}:9092 --topic e2e-day2-stock`);
    const consumed = await hostSsh('zk3', `/usr/local/kafka/bin/kafka-console-consumer.sh --bootstrap-server ${a}:9092 --topic e2e-day2-stock --from-beginning --timeout-ms 20000 2>/dev/null | grep -c hello-from-the-seeds || true`);
    expect(consumed.stdout.trim()).toBe('1');
    // `cd /usr/local/kafka && bin/kafka-server-start.sh config/server.properties` reads zkk's config, not the sample
    const props = await hostSsh('zk2', 'cd /usr/local/kafka && readlink config/server.properties && grep -E "^broker.id=" config/server.properties');
    expect(props.stdout.split('\n').slice(0, 2)).toEqual(['/etc/kafka/server.properties', 'broker.id=2']);
    const svc = await hostSsh('zk1', 'service zookeeper status; service kafka status');
    expect(svc.stdout).toMatch(/zookeeper is running \(pid \d+\)\nMode: (leader|follower)/);
    expect(svc.stdout).toMatch(/kafka is running \(pid \d+\)/);
  }, T(180_000));
});
