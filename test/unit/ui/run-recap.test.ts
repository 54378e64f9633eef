/** The plan recap: diffs always, commands with --commands (or -v), a blocked step with its hint. */
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/engine/run.js';
import { recap } from '../../../src/ui/run-renderer.js';

const report: RunReport = {
  mode: 'plan',
  cluster: 'c',
  durationMs: 1200,
  exitCode: 1,
  verify: [],
  clusterErrors: [],
  identities: [],
  clusterSteps: [],
  hosts: [
    {
      name: 'zk1', address: '10.213.0.11', status: 'ok', ok: 1, changed: 1, failed: 0,
      steps: [
        { id: 'zookeeper.conf-dir', title: '/etc/zookeeper', status: 'ok', detail: 'exists with owner and mode' },
        { id: 'zookeeper.render-zoo-cfg', title: 'zoo.cfg', status: 'changed', detail: 'update /etc/zookeeper/zoo.cfg', diff: '-tickTime=2000\n+tickTime=2500', commands: ['set -e\nmv -fT "$t" /etc/zookeeper/zoo.cfg\n# stdin: new content of /etc/zookeeper/zoo.cfg (20 bytes)'] },
      ],
    },
    {
      name: 'zk2', address: '10.213.0.12', status: 'failed', ok: 0, changed: 0, failed: 1,
      error: { code: 'BLOCKED', message: 'java.ensure: no java on the PATH', hint: 'install Java 17' },
      steps: [
        { id: 'java.ensure', title: 'Java runtime', status: 'failed', detail: 'no java on the PATH' },
        { id: 'zookeeper.account', title: 'user zookeeper', status: 'skipped', detail: 'java.ensure is blocked' },
      ],
    },
  ],
};

describe('plan recap', () => {
  it('without --commands: the change and its diff, no commands; the blocked step once, with its hint', () => {
    const text = recap(report, false);
    expect(text).toContain('  ~ zookeeper.render-zoo-cfg: update /etc/zookeeper/zoo.cfg\n      -tickTime=2000\n      +tickTime=2500');
    expect(text).not.toContain('$ ');
    expect(text).toContain('zk2 (10.213.0.12): failed\n  ✗ java.ensure: no java on the PATH\n  hint: install Java 17');
    expect(text.match(/no java on the PATH/g)).toHaveLength(1);
  });

  it('with --commands: each command under its step, scripts in full', () => {
    const text = recap(report, false, true);
    expect(text).toContain('      +tickTime=2500\n    $ set -e\n      mv -fT "$t" /etc/zookeeper/zoo.cfg\n      # stdin: new content of /etc/zookeeper/zoo.cfg (20 bytes)');
  });
});
