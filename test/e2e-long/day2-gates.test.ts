/**
 * Issue 20 on real lab hosts, ZooKeeper mode co-located on 3 hosts (the seeds' layout): with a
 * broker (then a ZooKeeper server) stopped by `zkk stop --limit`, `zkk restart` refuses (exit 1,
 * nothing restarted) and `zkk start` brings them back; `zkk uninstall` both ways (data kept;
 * purge only with the cluster name).
 */
import { describe, expect, it } from 'vitest';
import { hostSsh, T } from '../e2e/target.js';
import { changedSteps, runZkk, whyFailed } from '../e2e/helpers.js';
import { day2Cluster, pids } from '../e2e/day2-cluster.js';

const cluster = day2Cluster('day2-gates.test.ts');

describe('zkk restart / stop / start gates (ZooKeeper mode)', () => {
  it('a broker down: zkk restart refuses (exit 1, nothing restarted); a ZooKeeper server down: the quorum gate refuses; zkk start brings both back', async () => {
    const stop = await runZkk(['stop', cluster.inv, '--role', 'kafka', '--limit', 'zk3', '--json']);
    expect(stop.code, whyFailed(stop)).toBe(0);
    expect(stop.report!.hosts.map((h) => [h.name, h.steps.map((s) => `${s.id} ${s.status}`)])).toEqual([['zk3', ['kafka.stop changed']]]);
    expect((await pids('kafka')).zk3).toBe('none');
    const before = await pids('kafka');
    const r = await runZkk(['restart', cluster.inv, '--role', 'kafka', '--json']);
    expect(r.code, whyFailed(r)).toBe(1);
    expect(r.report!.clusterErrors.join('\n')).toMatch(/restart of .* refused: \d+ under-replicated/);
    expect(r.report!.clusterErrors.join('\n')).toMatch(/--force/);
    expect(r.report!.hosts.flatMap((h) => h.steps.map((s) => s.status))).toEqual(['skipped', 'skipped', 'skipped']);
    expect(await pids('kafka')).toEqual(before);
    // the ZooKeeper gate: with zk3's server stopped too, restarting another member would lose the quorum
    expect((await runZkk(['stop', cluster.inv, '--role', 'zookeeper', '--limit', 'zk3'])).code).toBe(0);
    const zr = await runZkk(['restart', cluster.inv, '--role', 'zookeeper', '--limit', 'zk1', '--json']);
    expect(zr.code).toBe(1);
    expect(zr.report!.clusterErrors.join('\n')).toMatch(/restart of zk1 refused: 2 of the 3 voting members/);
    // start brings both back (ZooKeeper first); the cluster is whole again
    const start = await runZkk(['start', cluster.inv, '--json']);
    expect(start.code, whyFailed(start)).toBe(0);
    expect(start.report!.hosts.find((h) => h.name === 'zk3')!.steps.map((s) => `${s.id} ${s.status}`)).toEqual(['zookeeper.start changed', 'kafka.start changed']);
    expect(start.report!.hosts.find((h) => h.name === 'zk1')!.steps.map((s) => `${s.id} ${s.status}`)).toEqual(['zookeeper.start ok', 'kafka.start ok']);
  }, T(300_000));
});

describe('zkk uninstall', () => {
  it('keeps data and a config backup; zkk status says not installed', async () => {
    const refused = await runZkk(['uninstall', cluster.inv]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const r = await runZkk(['uninstall', cluster.inv, '--yes', '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    expect(r.report!.hosts[0]!.steps.map((s) => `${s.id} ${s.status}`)).toEqual([
      'kafka.uninstall-stop changed', 'kafka.uninstall-service changed', 'kafka.uninstall-install changed', 'kafka.uninstall-firewall ok', 'kafka.uninstall-config changed', 'kafka.uninstall-data ok', 'kafka.uninstall-account ok',
      'zookeeper.uninstall-stop changed', 'zookeeper.uninstall-service changed', 'zookeeper.uninstall-install changed', 'zookeeper.uninstall-firewall ok', 'zookeeper.uninstall-config changed', 'zookeeper.uninstall-data ok', 'zookeeper.uninstall-account ok',
    ]);
    const left = await hostSsh('zk1', 'ls -d /usr/local/zookeeper* /usr/local/kafka* /etc/init.d/zookeeper /etc/init.d/kafka /etc/zookeeper /etc/kafka 2>/dev/null; ls -d /etc/zookeeper.zkk-backup-* /etc/kafka.zkk-backup-*; cat /var/lib/zookeeper/myid; ls /var/lib/kafka/data/meta.properties');
    expect(left.stdout.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^\/etc\/kafka\.zkk-backup-\d{8}-\d{6}$/), expect.stringMatching(/^\/etc\/zookeeper\.zkk-backup-/), '1', '/var/lib/kafka/data/meta.properties']);
    expect(Object.values(await pids('zookeeper'))).toEqual(['none', 'none', 'none']);
    const st = await runZkk(['status', cluster.inv]);
    expect(st.stdout).toMatch(/not installed/);
    expect(st.stdout).not.toMatch(/running/);
    const again = await runZkk(['uninstall', cluster.inv, '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(changedSteps(again.report!)).toEqual([]);
  }, T(180_000));

  it('--purge: only with the cluster name; then data, logs, config and users are gone', async () => {
    const wrong = await runZkk(['uninstall', cluster.inv, '--yes-really-purge', 'prod']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/cluster is named e2e; nothing removed/);
    expect((await hostSsh('zk1', 'cat /var/lib/zookeeper/myid')).stdout.trim()).toBe('1');
    expect((await runZkk(['uninstall', cluster.inv, '--purge'])).code).toBe(2);
    const r = await runZkk(['uninstall', cluster.inv, '--yes-really-purge', 'e2e', '--json']);
    expect(r.code, whyFailed(r)).toBe(0);
    const left = await hostSsh('zk2', 'ls -d /var/lib/zookeeper /var/lib/kafka/data /var/log/kafka /var/log/zookeeper /etc/zookeeper* /etc/kafka* 2>/dev/null; getent passwd zookeeper kafka; true');
    expect(left.stdout.trim()).toBe('');
    expect((await runZkk(['status', cluster.inv])).stdout).toMatch(/not installed/);
  }, T(180_000));
});
