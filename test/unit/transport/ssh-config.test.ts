/**
 * zkk's ssh_config resolution against OpenSSH's own: `ssh -G -F <config> <alias>` (it does
 * not connect) for a table of configs and names, option by option.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandSshPath, expandSshTokens, lookupSshConfig, resolveSshConfig, splitArgs, type SshConfigEntry } from '../../../src/transport/ssh-config.js';
import { parseJumpSpec, policyFromStrict, resolveRoute } from '../../../src/transport/ssh-route.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'zkk-sshcfg-'));
mkdirSync(path.join(dir, 'conf.d'));
writeFileSync(path.join(dir, 'conf.d', '10-a.conf'), 'Host inc*\n  HostName 10.213.0.21\n  Port 2201\nHost *\n  IdentityFile /keys/from-include\n');
writeFileSync(path.join(dir, 'conf.d', '20-b.conf'), 'Host inc2\n  HostName never-used\n  User incuser\n');
writeFileSync(path.join(dir, 'conf.d', 'skip.txt'), 'Host *\n  User skipped\n');
writeFileSync(path.join(dir, 'inner.conf'), 'User inner-user\nHost *\n  Port 2299\n');

const configs: Record<string, string> = {
  basic: `
Host node1
  HostName 10.213.0.11
  User root
  IdentityFile ~/.ssh/lab_ed25519
Host node2 node3
  Hostname=10.213.0.%h
  Port = 2222
Host *
  User fallback
  Port 22
`,
  wildcards: `
# comment
Host db-?? !db-99
  HostName %h.internal
  User "db admin"
Host db-*
  User other
  IdentityFile ~/.ssh/k_%h_%r
  IdentityFile %d/.ssh/second
  IdentityFile ~/.ssh/k_%h_%r
  IdentitiesOnly yes
Host *.example !bad.example
  ProxyJump bastion-user@jump.example:2022,second
  StrictHostKeyChecking accept-new
Host *
  StrictHostKeyChecking yes
  ConnectTimeout 7
  ServerAliveInterval 15
  ServerAliveCountMax 4
  UserKnownHostsFile ~/kh/one /tmp/two
  GlobalKnownHostsFile /etc/zkk_known
`,
  include: `
Include ${dir}/conf.d/*.conf
Host top
  Include ${dir}/inner.conf
Host other
  HostName other.lan
`,
  agentAndProxy: `
Host agent-*
  IdentityAgent ~/agent.sock
  StrictHostKeyChecking no
Host cmd
  ProxyCommand ssh -W %h:%p jump
  ProxyJump ignored
Host nojump
  ProxyJump none
Host *
  ProxyJump fallback-jump
  IdentityAgent none
`,
  match: `
Match host m1
  User matched
Host *
  Port 2200
`,
};
for (const [name, text] of Object.entries(configs)) writeFileSync(path.join(dir, name), text);

const cases: [config: string, alias: string][] = [
  ['basic', 'node1'],
  ['basic', 'node2'],
  ['basic', 'node3'],
  ['basic', 'Node1'], // matching is case-sensitive; the host name is lower-cased
  ['basic', 'elsewhere'],
  ['wildcards', 'db-01'],
  ['wildcards', 'db-99'],
  ['wildcards', 'db-100'],
  ['wildcards', 'a.example'],
  ['wildcards', 'bad.example'],
  ['wildcards', '10.213.0.11'],
  ['include', 'inc1'],
  ['include', 'inc2'],
  ['include', 'top'],
  ['include', 'other'],
  ['agentAndProxy', 'agent-1'],
  ['agentAndProxy', 'cmd'],
  ['agentAndProxy', 'nojump'],
  ['agentAndProxy', 'x'],
  ['match', 'x'], // outside the Match block: the same
];

/** `ssh -G` output as option → values. */
function sshG(config: string, alias: string): Map<string, string[]> {
  const out = execFileSync('ssh', ['-G', '-F', config, alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    if (i < 0) continue;
    const k = line.slice(0, i);
    m.set(k, [...(m.get(k) ?? []), line.slice(i + 1)]);
  }
  return m;
}

const DEFAULT_IDENTITIES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'];
const home = os.homedir();

/** zkk's resolution printed the way `ssh -G` prints it (OpenSSH's defaults where zkk has none). */
function asSshG(e: SshConfigEntry): Record<string, string | string[] | undefined> {
  const strict: Record<string, string> = { yes: 'true', no: 'false', off: 'false', 'accept-new': 'accept-new', ask: 'ask' };
  return {
    hostname: e.hostName,
    user: e.user ?? os.userInfo().username,
    port: String(e.port ?? 22),
    identityfile: e.identityFiles.length ? e.identityFiles : DEFAULT_IDENTITIES,
    identitiesonly: e.identitiesOnly ? 'yes' : 'no',
    identityagent: e.identityAgent === undefined ? undefined : expandSshPath(e.identityAgent, {}),
    userknownhostsfile: (e.userKnownHostsFiles ?? [`${home}/.ssh/known_hosts`, `${home}/.ssh/known_hosts2`]).join(' ') || 'none',
    globalknownhostsfile: (e.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']).join(' ') || 'none',
    stricthostkeychecking: strict[e.strictHostKeyChecking ?? 'ask'],
    connecttimeout: e.connectTimeout === undefined ? 'none' : String(e.connectTimeout),
    serveraliveinterval: String(e.serverAliveInterval ?? 0),
    serveralivecountmax: String(e.serverAliveCountMax ?? 3),
    proxyjump: e.proxyJump || undefined,
    proxycommand: e.proxyCommand || undefined,
  };
}

describe('ssh_config resolution matches ssh -G', () => {
  it.each(cases)('%s: %s', (config, alias) => {
    const file = path.join(dir, config);
    const ours = asSshG(resolveSshConfig([file], alias));
    const theirs = sshG(file, alias);
    for (const [k, v] of Object.entries(ours)) {
      const t = theirs.get(k);
      const want = t === undefined ? undefined : k === 'identityfile' ? t : t.join(' ');
      expect({ [k]: v }).toEqual({ [k]: want });
    }
  });
});

describe('ssh_config details', () => {
  it('a Match block and a ProxyCommand are named in warnings, with file and line', () => {
    const m = resolveSshConfig([path.join(dir, 'match')], 'm1');
    expect(m.warnings).toEqual([`${path.join(dir, 'match')}:2: a Match block is not interpreted by zkk; its options are ignored (use Host blocks)`]);
    // where ssh -G applies the block, zkk does not (and says so)
    expect(sshG(path.join(dir, 'match'), 'm1').get('user')).toEqual(['matched']);
    expect(m.user).toBeUndefined();
    const c = resolveSshConfig([path.join(dir, 'agentAndProxy')], 'cmd');
    expect(c.proxyCommand).toBe('ssh -W %h:%p jump');
    expect(c.warnings.join('\n')).toMatch(/agentAndProxy:6: ProxyCommand is not run by zkk/);
    expect(resolveSshConfig([path.join(dir, 'agentAndProxy')], 'x').warnings).toEqual([]);
  });

  it('IdentityFile tokens and ~ expand like OpenSSH', () => {
    const e = resolveSshConfig([path.join(dir, 'wildcards')], 'db-01');
    const files = e.identityFiles.map((f) => expandSshPath(f, { h: e.hostName, r: e.user, n: 'db-01' }));
    expect(files).toEqual([path.join(home, '.ssh', 'k_db-01.internal_db admin'), `${home}/.ssh/second`]);
    expect(expandSshTokens('%u@%h:%p %% %n', { h: 'x', p: 22, n: 'al' })).toBe(`${os.userInfo().username}@x:22 % al`);
  });

  it('quotes, escapes, = and trailing comments split as OpenSSH splits them', () => {
    expect(splitArgs('  IdentityFile "/a b/c" d\\ e # note')).toEqual(['IdentityFile', '/a b/c', 'd e']);
    expect(lookupSshConfig('Host=x\nUser=u1\n', 'x').user).toBe('u1');
    expect(resolveSshConfig([path.join(dir, 'missing')], 'x')).toMatchObject({ hostName: 'x', identityFiles: [] });
  });
});

describe('the route zkk connects by (inventory > ssh_config > defaults)', () => {
  const cfg = path.join(dir, 'route');
  writeFileSync(
    cfg,
    `Host node1
  HostName 10.213.0.11
  User admin
  IdentityFile ~/.ssh/a_%h
  StrictHostKeyChecking yes
  ConnectTimeout 3
  ProxyJump j1,ops@j2:2200
Host j2
  HostName 10.213.0.99
  ProxyJump loop
`,
  );
  const base = { name: 'node1', address: 'node1', config: cfg, knownHosts: path.join(home, '.ssh', 'known_hosts') };

  it('dials HostName, with the config user, key, policy, timeout and jump chain', () => {
    const r = resolveRoute(base);
    expect(r.target).toMatchObject({ host: '10.213.0.11', user: 'admin', port: 22, hostKeyPolicy: 'strict', connectTimeout: 3, label: 'admin@10.213.0.11:22' });
    expect(r.target.identities).toEqual([{ file: path.join(home, '.ssh', 'a_10.213.0.11'), explicit: false }]);
    expect(r.target.knownNames).toEqual(['10.213.0.11', 'node1']);
    expect(r.jumps.map((j) => j.label)).toEqual(['root@j1:22', 'ops@10.213.0.99:2200']);
  });

  it('the inventory wins over ssh_config; its identityFile is tried first; jump none connects directly', () => {
    const r = resolveRoute({ ...base, user: 'root', port: 2222, identityFile: '/keys/inv', hostKeyPolicy: 'accept-new', connectTimeout: 9, jump: [] });
    expect(r.target).toMatchObject({ user: 'root', port: 2222, hostKeyPolicy: 'accept-new', connectTimeout: 9 });
    expect(r.target.identities.map((i) => i.file)).toEqual(['/keys/inv', path.join(home, '.ssh', 'a_10.213.0.11')]);
    expect(r.jumps).toEqual([]);
    expect(resolveRoute({ ...base, jump: ['u@[fd00::1]:2022'] }).jumps[0]).toMatchObject({ host: 'fd00::1', port: 2022, user: 'u' });
  });

  it('StrictHostKeyChecking maps to zkk policies; no/off never mean "off"', () => {
    expect(['yes', 'ask', 'accept-new', 'no', 'off'].map(policyFromStrict)).toEqual(['strict', 'strict', 'accept-new', 'accept-new', 'accept-new']);
    expect(() => parseJumpSpec('a@b@c:x')).toThrow(/\[user@\]host\[:port\]/);
  });
});
