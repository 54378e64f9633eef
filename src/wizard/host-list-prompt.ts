/**
 * A prompt for a list of hosts that may be typed or pasted: several per line (commas or
 * spaces) and/or one per line. Every line is checked as it is entered; accepted hosts
 * are listed above the input, refused ones stay on the line with the reason shown. An
 * empty line finishes (once at least one host is in). Built on @inquirer/core so it
 * behaves like the other prompts (Ctrl-C, theme, rendering).
 */
import { createPrompt, isEnterKey, makeTheme, usePrefix, useState, useKeypress } from '@inquirer/core';
import type { HostEntry } from './answers.js';
import type { HostListStep } from './validate.js';

export interface HostListConfig {
  message: string;
  /** Shown under the message while the list is empty. */
  help?: string;
  /** Check one entered line against the hosts accepted so far. */
  applyLine: (accepted: readonly HostEntry[], line: string) => HostListStep;
}

const label = (h: HostEntry) => (h.name ? `${h.name} = ${h.address}` : h.address);

export const hostListPrompt = createPrompt<HostEntry[], HostListConfig>((config, done) => {
  const theme = makeTheme({});
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [hosts, setHosts] = useState<HostEntry[]>([]);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const prefix = usePrefix({ status, theme });

  useKeypress((key, rl) => {
    if (status !== 'idle') return;
    if (isEnterKey(key)) {
      const line = value.trim();
      if (line === '') {
        if (hosts.length === 0) {
          setError('enter at least one host');
          return;
        }
        setStatus('done');
        done(hosts);
        return;
      }
      const step = config.applyLine(hosts, line);
      setHosts(step.hosts);
      if (step.rejected.length) {
        const rest = step.rejected.map((r) => r.token).join(' ');
        setError(step.rejected.map((r) => `${r.token}: ${r.reason}`).join('\n'));
        rl.write(rest);
        setValue(rest);
      } else {
        setError(undefined);
        setValue('');
      }
    } else {
      setValue(rl.line);
      setError(undefined);
    }
  });

  const message = theme.style.message(config.message, status);
  if (status === 'done') {
    return `${prefix} ${message} ${theme.style.answer(hosts.map(label).join(', '))}`;
  }
  const lines = [`${prefix} ${message}`];
  if (hosts.length === 0 && config.help) lines.push(theme.style.help(`  ${config.help}`));
  hosts.forEach((h, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${label(h)}`));
  if (hosts.length > 0) lines.push(theme.style.help(`  ${hosts.length} host(s) — add more (-NAME takes one out), or Enter on an empty line to finish`));
  lines.push(`  > ${value}`);
  return [lines.join('\n'), error ? theme.style.error(error) : ''];
});
