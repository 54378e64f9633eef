/**
 * Which properties hold secrets (passwords, JAAS configs, private keys), so that a role
 * can write the file that holds them 0640 root:<service group> and mask their values in
 * plan diffs and --json. A role marks a file sensitive by the keys it renders into it.
 */
const SECRET_KEY = /password|passwd|passphrase|secret|credential|jaas\.config|(^|[._-])key$/i;

export function isSecretPropertyKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** True when any of these (extraConfig) keys names a secret. */
export function holdsSecretProperties(props: Record<string, unknown>): boolean {
  return Object.keys(props).some(isSecretPropertyKey);
}

/**
 * A Java properties text with every secret key's value replaced by ***, continuation
 * lines included. Comments and other keys are left as they are.
 */
export function maskSecretProperties(text: string): string {
  const out: string[] = [];
  let masking = false;
  for (const line of text.split('\n')) {
    if (masking) {
      // a continuation line of a masked value
      masking = endsWithContinuation(line);
      out.push(masking ? '***\\' : '***');
      continue;
    }
    const m = /^(\s*)((?:\\.|[^\s=:\\])+)(\s*[=:]\s*|\s+)(.*)$/.exec(line);
    if (!m || /^\s*[#!]/.test(line) || !isSecretPropertyKey(m[2]!.replace(/\\(.)/g, '$1'))) {
      out.push(line);
      continue;
    }
    masking = endsWithContinuation(line);
    out.push(`${m[1]}${m[2]}${m[3]}***${masking ? '\\' : ''}`);
  }
  return out.join('\n');
}

function endsWithContinuation(line: string): boolean {
  const trailing = /\\*$/.exec(line)![0].length;
  return trailing % 2 === 1;
}

/**
 * Owner, mode and diff masking of a rendered properties file (zoo.cfg, server.properties):
 * 0640 root:<service group> when its extra keys hold a secret, else 0644 root:root; the
 * values of secret keys are masked in diffs either way (the host's copy may hold some).
 */
export function propertiesFileAccess(extra: Record<string, unknown>, serviceGroup: string): { owner: string; group: string; mode: string; maskDiff: (text: string) => string } {
  const secret = holdsSecretProperties(extra);
  return { owner: 'root', group: secret ? serviceGroup : 'root', mode: secret ? '0640' : '0644', maskDiff: maskSecretProperties };
}
