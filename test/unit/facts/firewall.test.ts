import { describe, expect, it } from 'vitest';
import { parseFirewallFact, parseFirewalldPorts, parseUfwStatus, tcpAllowed } from '../../../src/facts/firewall.js';
import { ensureFirewallOpen } from '../../../src/ops/firewall.js';

// `ufw status` on Debian 12 (ufw 0.36.2) after `ufw allow 22/tcp`, a range, a source-limited rule and zkk's own
const UFW = `Status: active

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW       Anywhere
3000:3100/tcp              ALLOW       Anywhere
2181/tcp                   ALLOW       Anywhere                   # zkk: zookeeper client
9092                       ALLOW       10.213.0.0/24
53/udp                     ALLOW       Anywhere
8080,8443/tcp              ALLOW IN    Anywhere
OpenSSH                    ALLOW       Anywhere
22/tcp (v6)                ALLOW       Anywhere (v6)
3188/tcp (v6)              ALLOW       Anywhere (v6)
`;

const ports = [
  { port: 2181, what: 'zookeeper client' },
  { port: 3188, what: 'zookeeper quorum' },
  { port: 3050, what: 'in a range' },
];

describe('firewall facts', () => {
  it('ufw status: v4 rules from anywhere, ranges and lists; not source-limited, (v6) or app rules', () => {
    expect(parseUfwStatus(UFW)).toEqual([
      { from: 22, to: 22, proto: 'tcp' },
      { from: 3000, to: 3100, proto: 'tcp' },
      { from: 2181, to: 2181, proto: 'tcp', byZkk: true }, // its comment says zkk:
      { from: 53, to: 53, proto: 'udp' },
      { from: 8080, to: 8080, proto: 'tcp' },
      { from: 8443, to: 8443, proto: 'tcp' },
    ]);
    const r = parseUfwStatus(UFW);
    expect([2181, 3050, 22, 8443].map((p) => tcpAllowed(r, p))).toEqual([true, true, true, true]);
    expect([9092, 3188, 53].map((p) => tcpAllowed(r, p))).toEqual([false, false, false]);
    expect(tcpAllowed(parseUfwStatus('9092   ALLOW   Anywhere'), 9092)).toBe(true); // no proto: tcp and udp
  });

  it('firewall-cmd --list-ports', () => {
    expect(parseFirewalldPorts('2181/tcp 3000-3100/tcp 53/udp 9/sctp')).toEqual([
      { from: 2181, to: 2181, proto: 'tcp' },
      { from: 3000, to: 3100, proto: 'tcp' },
      { from: 53, to: 53, proto: 'udp' },
    ]);
    expect(parseFirewalldPorts('')).toEqual([]);
  });

  it('the probe output, per kind', () => {
    expect(parseFirewallFact('kind=none\n')).toEqual({ kind: 'none' });
    const u = parseFirewallFact(`kind=ufw\n${UFW.split('\n').map((l) => `ufw=${l}`).join('\n')}`);
    expect(u.kind === 'ufw' && u.allowed.length).toBe(6);
    expect(parseFirewallFact('kind=firewalld\nruntime=2181/tcp\npermanent=\n')).toEqual({ kind: 'firewalld', runtime: [{ from: 2181, to: 2181, proto: 'tcp' }], permanent: [] });
  });
});

describe('ensureFirewallOpen', () => {
  it('no firewall: nothing to do', () => {
    expect(ensureFirewallOpen({ kind: 'none' }, ports, 'auto')).toEqual({ kind: 'ok', reason: 'no active ufw or firewalld to open 2181/tcp, 3188/tcp, 3050/tcp in' });
  });

  it('ufw: only the missing ports, with a comment', () => {
    const o = ensureFirewallOpen(parseFirewallFact(`kind=ufw\n${UFW.split('\n').map((l) => `ufw=${l}`).join('\n')}`), ports, 'auto');
    expect(o.kind === 'change' && o.summary).toBe('ufw allow 3188/tcp');
    const all = ensureFirewallOpen({ kind: 'ufw', allowed: [{ from: 1, to: 65535, proto: 'any' }] }, ports, 'auto');
    expect(all).toEqual({ kind: 'ok', reason: 'ufw allows 2181/tcp, 3188/tcp, 3050/tcp' });
  });

  it('firewalld: runtime and permanent each completed', () => {
    const o = ensureFirewallOpen({ kind: 'firewalld', runtime: [{ from: 2181, to: 2181, proto: 'tcp' }], permanent: [] }, ports, 'auto');
    expect(o.kind === 'change' && o.summary).toBe('firewalld (default zone): add 3188/tcp, 3050/tcp, 2181/tcp');
  });

  it('manage: never reports the closed ports and changes nothing', () => {
    const o = ensureFirewallOpen({ kind: 'ufw', allowed: [] }, ports, 'never');
    expect(o).toEqual({ kind: 'ok', reason: 'ufw is active and does not allow 2181/tcp, 3188/tcp, 3050/tcp; left alone (firewall.manage: never)' });
  });
});
