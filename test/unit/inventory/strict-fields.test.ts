/**
 * The schema refuses every value that would need quoting on the hosts — as strictly as
 * the `zkk init` wizard, through the same checks (inventory/fields.ts) — with the field,
 * its line and the reason.
 */
import { describe, expect, it } from 'vitest';
import { InventoryError, InventoryErrors } from '../../../src/errors/zkk-error.js';
import { addressProblem, remotePathProblem } from '../../../src/inventory/fields.js';
import { parseInventory } from '../../../src/inventory/load.js';
import { inventorySections } from '../../../src/roles/all-roles.js';
import { checkAddress, checkRemoteDir } from '../../../src/wizard/validate.js';

const hostLine = '  - { address: 10.213.0.1, roles: [zookeeper, kafka] }';
/** An inventory whose line 2 is `block` and whose only host is on line 4. */
const withBlock = (block: string, hosts = hostLine) => `cluster: x\n${block}\nhosts:\n${hosts}\n`;
const parse = (text: string) => parseInventory(text, 'inv.yml', inventorySections);

function refusal(text: string): InventoryError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof InventoryErrors) return e.errors[0]!;
    if (e instanceof InventoryError) return e;
    throw e;
  }
  throw new Error(`accepted:\n${text}`);
}

describe('values that would reach files and commands unquoted are refused', () => {
  it.each([
    ['a shell command in dataDir', 'zookeeper: { dataDir: "/srv/zk;touch /tmp/x;y=" }', 'zookeeper.dataDir', /letters, digits and \. _ - \+ @ \/ \(no spaces/],
    ['a newline in logDir (a unit line)', 'zookeeper: { logDir: "/var/log/zk\\nExecStartPre=+/bin/sh" }', 'zookeeper.logDir', /absolute path of letters/],
    ['a quote in installDir', `kafka: { installDir: "/opt/k'x" }`, 'kafka.installDir', /quotes or shell characters/],
    ['a space in confDir', 'zookeeper: { confDir: "/etc/zoo keeper" }', 'zookeeper.confDir', /no spaces/],
    ['a relative path', 'zookeeper: { dataDir: var/lib/zk }', 'zookeeper.dataDir', /absolute path/],
    ['a path with ..', 'zookeeper: { dataDir: /var/lib/../zk }', 'zookeeper.dataDir', /write it as \/var\/zk/],
    ['a trailing slash', 'zookeeper: { dataDir: /var/lib/zk/ }', 'zookeeper.dataDir', /write it as \/var\/lib\/zk/],
    ['the root directory', 'kafka: { logDir: / }', 'kafka.logDir', /not the root directory/],
    ['a comma in a log dir list', 'kafka: { logDirs: ["/data/1,/data/2"] }', 'kafka.logDirs[0]', /no spaces, commas/],
    ['$( ) in java.home', 'java: { home: "/opt/$(id)" }', 'java.home', /shell characters/],
    ['command substitution in jvmFlags', 'zookeeper: { jvmFlags: "-Xss1m $(touch /tmp/x)" }', 'zookeeper.jvmFlags', /\$\(touch is not a JVM flag/],
    ['a glob in a jvmFlags list', 'kafka: { jvmFlags: ["-Xlog:gc*"] }', 'kafka.jvmFlags[0]', /not a JVM flag/],
    ['a jvmFlags token without a dash', 'kafka: { jvmFlags: "-Xmx1g evil" }', 'kafka.jvmFlags', /evil is not a JVM flag/],
    ['a newline in an extraConfig value', 'kafka: { extraConfig: { a: "x\\nlisteners=PLAINTEXT://evil:9092" } }', 'kafka.extraConfig.a', /may not hold line breaks or control characters/],
    ['= in an extraConfig key', 'zookeeper: { extraConfig: { "server.99=10.213.0.99:1:2#": 1 } }', 'zookeeper.extraConfig.server.99=10.213.0.99:1:2#', /property key/],
    ['a newline in an extraConfig key', 'zookeeper: { extraConfig: { "a\\nb": 1 } }', 'zookeeper.extraConfig.a\nb', /property key/],
    ['advertisedHost with a newline', 'kafka: { advertisedHost: "k1\\nlisteners=x" }', 'kafka.advertisedHost', /not a valid host name/],
    ['a chroot with ..', 'kafka: { zookeeperChroot: /kafka/.. }', 'kafka.zookeeperChroot', /ZooKeeper path/],
    ['a chroot with a space', 'kafka: { zookeeperChroot: "/kafka x" }', 'kafka.zookeeperChroot', /ZooKeeper path/],
    ['a service user with a space', 'zookeeper: { user: "zoo keeper" }', 'zookeeper.user', /user or group name/],
    ['an upper-case group', 'kafka: { group: Kafka }', 'kafka.group', /lower-case/],
    ['an ssh user with a semicolon', 'ssh: { user: "root;id" }', 'ssh.user', /not a user name/],
    ['a version with a suffix', 'zookeeper: { version: "3.8.6;x" }', 'zookeeper.version', /major\.minor\.patch/],
    ['a four-letter word with a newline', 'zookeeper: { fourLetterWords: [ruok, "srvr\\n"] }', 'zookeeper.fourLetterWords[1]', /Invalid string/],
    ['a release file name with a shell character', 'zookeeper: { release: { file: "/tmp/zk;x.tar.gz" } }', 'zookeeper.release.file', /file name may hold only/],
    ['an ftp release URL', 'kafka: { release: { url: "ftp://mirror/kafka" } }', 'kafka.release.url', /http\(s\) URL/],
    ['a newline in a mirror path', 'kafka: { release: { mirror: "/srv/m\\nx" } }', 'kafka.release.mirror', /control characters/],
    ['a package name with a semicolon', 'java: { package: "openjdk;rm -rf /" }', 'java.package', /package name/],
    ['a newline in identityFile', 'ssh: { identityFile: "/k\\nx" }', 'ssh.identityFile', /control characters/],
  ])('%s', (_, block, field, reason) => {
    const e = refusal(withBlock(block));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(reason);
    expect(e.exitCode).toBe(2);
    expect(e.line).toBe(2);
    expect(e.format()).toMatch(/^inv\.yml:2:\d+: /);
  });

  it.each([
    ['a newline in an address', '  - { address: "10.213.0.1\\nserver.99=x", roles: [zookeeper] }', /not a valid host name/],
    ['an address that is not an IP', '  - { address: 10.213.0.999, roles: [zookeeper] }', /not a valid IPv4 address/],
    ['an address with a space', '  - { address: "zk 1", roles: [zookeeper] }', /not a valid host name/],
    ['a host name with a slash', '  - { name: a/b, address: 10.213.0.1, roles: [zookeeper] }', /letters, digits, dot, dash, underscore/],
    ['a host jvmFlags override', '  - { address: 10.213.0.1, roles: [zookeeper], zookeeper: { jvmFlags: "-Da=`id`" } }', /not a JVM flag/],
  ])('%s', (_, hosts, reason) => {
    const e = refusal(withBlock('ssh: {}', hosts));
    expect(e.message).toMatch(reason);
    expect(e.line).toBe(4);
  });
});

describe('legal values resolve as written', () => {
  it('jvmFlags: a string is split on whitespace, a list is taken as is; both render as one line', () => {
    const fromString = parse(withBlock('zookeeper: { jvmFlags: "-Xss1m   -XX:+UseG1GC\\n-Dzookeeper.x=a,b" }'));
    expect(fromString.hosts[0]!.zookeeper!.jvmFlags).toBe('-Xss1m -XX:+UseG1GC -Dzookeeper.x=a,b');
    const fromList = parse(withBlock('kafka: { jvmFlags: [-Xss1m, "-Djava.security.auth.login.config=/etc/kafka/jaas.conf"] }'));
    expect(fromList.hosts[0]!.kafka!.jvmFlags).toBe('-Xss1m -Djava.security.auth.login.config=/etc/kafka/jaas.conf');
    expect(parse(withBlock('ssh: {}')).hosts[0]!.kafka!.jvmFlags).toBe('');
  });
  it('paths, chroots, accounts, properties and addresses in the safe forms', () => {
    const inv = parse(
      withBlock(
        'zookeeper: { dataDir: /data/zk-1_a.b+c@d, user: zk_svc-1, extraConfig: { snapCount: 50000, "4lw.commands.enable": true, "a-b_c": "x y = z" } }',
        '  - { name: k1.lab, address: kafka-1.example.org, roles: [zookeeper, kafka], kafka: { zookeeperChroot: /kafka/prod-1, advertisedHost: "fd00::1" } }',
      ),
    );
    const h = inv.hosts[0]!;
    expect(h.zookeeper!.dataDir).toBe('/data/zk-1_a.b+c@d');
    expect(h.zookeeper!.extraConfig).toEqual({ snapCount: 50000, '4lw.commands.enable': true, 'a-b_c': 'x y = z' });
    expect(h.kafka!.zookeeperChroot).toBe('/kafka/prod-1');
    expect(h.kafka!.advertisedHost).toBe('fd00::1');
    expect(parse(withBlock('kafka: { zookeeperChroot: "" }')).hosts[0]!.kafka!.zookeeperChroot).toBe('');
  });
});

describe('one definition for the wizard and the schema', () => {
  it.each(['/a b', '/a,b', '/a/../b', 'rel', '/x;y'])('remote path %s', (p) => {
    const wizard = checkRemoteDir(p);
    expect(wizard.ok).toBe(false);
    expect(!wizard.ok && wizard.reason).toBe(remotePathProblem(p));
  });
  it.each(['10.213.0.999', 'a b', 'x..y', '::zz'])('address %s', (a) => {
    const wizard = checkAddress(a);
    expect(wizard.ok).toBe(false);
    expect(!wizard.ok && wizard.reason).toBe(addressProblem(a));
  });
});

describe('data directories survive reboots and upgrades (the wizard\'s rule, per host)', () => {
  it.each([
    ['ZooKeeper data in /tmp', 'zookeeper: { dataDir: /tmp/zookeeper }', /zookeeper\.dataDir on 10\.213\.0\.1: \/tmp\/zookeeper is under a temporary directory/],
    ['Kafka data in its install directory', 'kafka: { logDirs: [/usr/local/kafka/data] }', /kafka\.logDirs\[0\] on 10\.213\.0\.1: \/usr\/local\/kafka\/data overlaps the install directory \/usr\/local\/kafka/],
    ['Kafka data inside ZooKeeper data', 'kafka: { logDirs: [/var/lib/zookeeper/kafka] }', /overlaps the data directory \/var\/lib\/zookeeper/],
    ['two log dirs in each other', 'kafka: { logDirs: [/data/k, /data/k/2] }', /kafka\.logDirs\[1\] .*overlaps the data directory \/data\/k/],
    ['install directories in each other', 'kafka: { installDir: /usr/local/zookeeper/kafka }', /zookeeper\.installDir \/usr\/local\/zookeeper overlaps kafka\.installDir/],
  ])('%s', (_, block, reason) => {
    const e = refusal(withBlock(block));
    expect(e.message).toMatch(reason);
    expect(e.line).toBe(4);
    expect(e.exitCode).toBe(2);
  });
  it('a data directory beside an install directory is fine (the seeds layout)', () => {
    expect(parse(withBlock('zookeeper: { dataDir: /usr/local/zookeeper-data }')).hosts[0]!.zookeeper!.dataDir).toBe('/usr/local/zookeeper-data');
  });
});
