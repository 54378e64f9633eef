/**
 * SSH as OpenSSH users expect, on the lab's real sshd's (issue 19):
 * - a bastion: zk2 and zk3 drop the control node's traffic (an iptables rule in their
 *   namespace), zk1 carries their SSH sessions and the control node's ZooKeeper checks;
 *   deploy and status work through it with one bastion connection; cutting the bastion
 *   gives a named error for every host behind it;
 * - ~/.ssh/config aliases (HostName, wildcards and negation, Include, several
 *   IdentityFiles): zkk connects where `ssh -F cfg alias true` connects and fails for the
 *   same reason where it fails;
 * - ssh-agent: an agent-only key, a passphrase key through the agent, and the same key
 *   without agent and without a terminal: exit 3 naming the file and ssh-add.
 * npm run build first: the CLI runs from dist/.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labExec } from '../lab/lab.js';
import { cut, heal, hostsDown, hostSsh, hostsUp, TARGET, type TargetInfo } from './target.js';
import { fixtureVersions, MIRROR, runZkk, whyFailed } from './helpers.js';

const versions = fixtureVersions();
const log = (msg: string) => console.log(`[ssh-e2e ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-ssh-e2e-'));
const CONTROL = '10.213.0.1';
const noAgent = { SSH_AUTH_SOCK: '' };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0, stdout, stderr }),
    ),
  );
}

function keygen(name: string, passphrase = '', type = 'ed25519'): string {
  const f = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-a', '1', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', name, '-f', f]);
  return f;
}

describe.skipIf(TARGET !== 'lab')('SSH on the lab: bastion, ssh_config aliases, agent', () => {
  let info: TargetInfo;
  const addr = (n: string) => info.hosts.find((h) => h.name === n)!.address;
  const dropped: string[] = [];
  const authorized: string[] = [];

  beforeAll(async () => {
    info = await hostsUp(['zk1', 'zk2', 'zk3']);
  });

  afterAll(async () => {
    for (const h of dropped) await labExec(h, ['iptables', '-D', 'INPUT', '-s', CONTROL, '-j', 'DROP']).catch(() => undefined);
    for (const pub of authorized) for (const h of ['zk1', 'zk2', 'zk3']) await hostSsh(h, `grep -vF '${pub.split(' ')[1]}' /root/.ssh/authorized_keys > /root/.ssh/ak.tmp; cat /root/.ssh/ak.tmp > /root/.ssh/authorized_keys; rm -f /root/.ssh/ak.tmp`).catch(() => undefined);
    await hostsDown();
    rmSync(dir, { recursive: true, force: true });
  });

  function inventory(name: string, ssh: Record<string, unknown>, hosts: Record<string, unknown>[]): string {
    const file = path.join(dir, `${name}.yml`);
    writeFileSync(file, stringify({ cluster: 'e2e', ssh: { connectTimeout: 5, connectRetries: 0, ...ssh }, hosts, zookeeper: { version: versions.zookeeper, heapMb: 128, release: { mirror: MIRROR } } }));
    return file;
  }

  it('a bastion carries every host behind it: deploy and status through it; cut, a named error per host', async () => {
    // zk2 and zk3 answer the control node no more, only their peers (zk1 among them)
    for (const h of ['zk2', 'zk3']) {
      const r = await labExec(h, ['iptables', '-I', 'INPUT', '-s', CONTROL, '-j', 'DROP']);
      expect(r.code, r.stderr).toBe(0);
      dropped.push(h);
    }
    const direct = await run('ssh', ['-F', info.sshConfig, '-o', 'ConnectTimeout=2', 'zk2', 'true']);
    expect(direct.code).not.toBe(0);

    const inv = inventory(
      'bastion',
      { user: 'root', identityFile: info.key, knownHosts: info.knownHosts, config: false, hostKeyPolicy: 'strict', jump: `root@${addr('zk1')}` },
      [
        { name: 'zk1', address: addr('zk1'), roles: ['zookeeper'], ssh: { jump: 'none' } },
        { name: 'zk2', address: addr('zk2'), roles: ['zookeeper'] },
        { name: 'zk3', address: addr('zk3'), roles: ['zookeeper'] },
      ],
    );
    let t0 = Date.now();
    const d = await runZkk(['deploy', inv, '--json'], { env: noAgent });
    log(`deploy through the bastion: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(d.code, whyFailed(d)).toBe(0);
    // the ZooKeeper verify ran from here: its znode round trip reached zk2/zk3 through zk1
    expect(JSON.stringify(d.report?.verify ?? [])).toMatch(/zk2|zk3|znode/i);

    t0 = Date.now();
    const s = await runZkk(['status', inv, '--json'], { env: noAgent });
    log(`status through the bastion: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(s.code, s.stderr + s.stdout.slice(-3000)).toBe(0);
    const st = JSON.parse(s.stdout) as { hosts: { name: string; services: { service: string; state?: string; mode?: string }[] }[] };
    expect(st.hosts.map((h) => h.name).sort()).toEqual(['zk1', 'zk2', 'zk3']);

    const again = await runZkk(['deploy', inv, '--json'], { env: noAgent });
    expect(again.code, whyFailed(again)).toBe(0);
    expect(again.report?.hosts.reduce((n, h) => n + ((h as { changed?: number }).changed ?? 0), 0)).toBe(0);

    await cut('zk1');
    try {
      t0 = Date.now();
      const c = await runZkk(['plan', inv, '--json'], { env: noAgent });
      expect(c.code).toBe(3);
      const byHost = new Map((c.report?.hosts ?? []).map((h) => [h.name, JSON.stringify(h)]));
      for (const h of ['zk2', 'zk3']) expect(byHost.get(h), c.stdout.slice(-3000)).toMatch(new RegExp(`through bastion root@${addr('zk1').replace(/\./g, '\\.')}:22`));
      log(`bastion cut: plan exit ${c.code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await heal('zk1');
      for (const h of dropped.splice(0)) await labExec(h, ['iptables', '-D', 'INPUT', '-s', CONTROL, '-j', 'DROP']);
    }
  }, 300_000);

  it('ssh_config aliases: zkk connects where `ssh -F cfg alias true` connects, and fails for the same reason', async () => {
    const wrong = keygen('wrong');
    const inc = path.join(dir, 'inc.d');
    execFileSync('mkdir', ['-p', inc]);
    writeFileSync(path.join(inc, 'a.conf'), `Host inc-*\n  HostName ${addr('zk3')}\n  IdentityFile ${info.key}\n`);
    const cfg = path.join(dir, 'ssh_config');
    writeFileSync(
      cfg,
      `Include ${inc}/*.conf
Host via-name
  HostName ${addr('zk1')}
  IdentityFile ${path.join(dir, 'missing-key')}
  IdentityFile ${wrong}
  IdentityFile ${info.key}
Host lab-* !lab-denied
  HostName ${addr('zk2')}
  IdentityFile ${info.key}
Host lab-denied
  HostName ${addr('zk2')}
  IdentityFile ${wrong}
Host refused
  HostName ${addr('zk2')}
  Port 2299
  IdentityFile ${info.key}
Host *
  User root
  UserKnownHostsFile ${info.knownHosts}
  StrictHostKeyChecking yes
  IdentitiesOnly yes
`,
    );
    const cases: [alias: string, reason?: RegExp, zkkReason?: RegExp][] = [
      ['via-name'],
      ['lab-one'],
      ['inc-x'],
      ['lab-denied', /Permission denied/, /SSH_AUTH|authentication failed/],
      ['refused', /Connection refused/, /connection refused/],
    ];
    for (const [alias, reason, zkkReason] of cases) {
      const o = await run('ssh', ['-F', cfg, '-o', 'BatchMode=yes', alias, 'true'], noAgent);
      const inv = inventory(`alias-${alias}`, { config: cfg }, [{ name: alias, address: alias, roles: ['zookeeper'] }]);
      // --skip-preflight: this checks the connection; an alias known only to the control node's ssh_config
      // is not a name the hosts resolve, which the preflight rightly refuses (checked once below)
      const z = await runZkk(['plan', inv, '--skip-preflight'], { env: noAgent });
      log(`${alias}: ssh exit ${o.code}, zkk plan exit ${z.code}`);
      if (!reason) {
        expect(o.code, o.stderr).toBe(0);
        expect([0, 4], z.stderr + z.stdout).toContain(z.code);
        if (alias === 'via-name') {
          const pf = await runZkk(['plan', inv], { env: noAgent });
          expect(pf.code, pf.stderr + pf.stdout).toBe(1);
          expect(pf.stdout + pf.stderr).toMatch(/via-name does not resolve on via-name/);
        }
      } else {
        expect(o.stderr).toMatch(reason);
        expect(z.code, z.stderr + z.stdout).toBe(3);
        expect(z.stdout + z.stderr).toMatch(zkkReason!);
      }
    }
  }, 180_000);

  it('ssh-agent: an agent-only key, a passphrase key through the agent; without agent and terminal: exit 3 naming the file', async () => {
    const agentOnly = keygen('agent-only', '', 'ecdsa');
    const pass = keygen('with-passphrase', 'correct horse', 'rsa');
    for (const k of [agentOnly, pass]) {
      const pub = readFileSync(`${k}.pub`, 'utf8').trim();
      authorized.push(pub);
      const r = await hostSsh('zk2', `printf '%s\\n' '${pub}' >> /root/.ssh/authorized_keys`);
      expect(r.code, r.stderr).toBe(0);
    }
    const sock = path.join(dir, 'agent.sock');
    const a = execFileSync('ssh-agent', ['-a', sock, '-s'], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(a)![1]);
    try {
      const askpass = path.join(dir, 'askpass.sh');
      writeFileSync(askpass, "#!/bin/sh\necho 'correct horse'\n", { mode: 0o700 });
      const env = { SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
      for (const k of [agentOnly, pass]) expect((await run('ssh-add', [k], env)).code).toBe(0);
      rmSync(agentOnly); // only the agent has it now
      const host = [{ name: 'zk2', address: addr('zk2'), roles: ['zookeeper'] }];
      const base = { user: 'root', knownHosts: info.knownHosts, config: false, hostKeyPolicy: 'strict' };

      const viaAgent = await runZkk(['plan', inventory('agent-only', base, host)], { env: { SSH_AUTH_SOCK: sock } });
      expect([0, 4], viaAgent.stderr).toContain(viaAgent.code);

      const passInv = inventory('passphrase', { ...base, identityFile: pass }, host);
      const passAgent = await runZkk(['plan', passInv], { env: { SSH_AUTH_SOCK: sock } });
      expect([0, 4], passAgent.stderr).toContain(passAgent.code);

      const noTty = await runZkk(['plan', passInv], { env: noAgent }); // execFile: no terminal
      expect(noTty.code, noTty.stderr + noTty.stdout).toBe(3);
      expect(noTty.stdout + noTty.stderr).toContain(pass);
      expect(noTty.stdout + noTty.stderr).toContain('ssh-add');
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  }, 120_000);
});
