/**
 * Reading the SSH identity file, including passphrase-protected keys: the passphrase comes
 * from a callback (the CLI prompts on a terminal), asked once per key file for all hosts.
 * Without a way to ask, an encrypted key is left to ssh-agent when one runs, else refused
 * with the fix.
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { ConnectionError } from '../errors/zkk-error.js';

const { utils } = ssh2;

export type AskPassphrase = (keyFile: string) => Promise<string>;

export interface LoadedKey {
  privateKey?: string;
  passphrase?: string;
  /** The key file is encrypted and was left out: only ssh-agent's keys are offered. */
  encryptedSkipped?: string;
}

/** One passphrase per key file per process, whatever the number of hosts. */
const passphrases = new Map<string, Promise<string>>();

export function isEncryptedKeyError(e: unknown): boolean {
  return e instanceof Error && /encrypted.*no passphrase given/i.test(e.message);
}

export async function loadPrivateKey(file: string, host: string, agentAvailable: boolean, ask?: AskPassphrase): Promise<LoadedKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConnectionError('SSH_KEY', host, `cannot read identity file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'set ssh.identityFile in the inventory to a readable private key',
    });
  }
  const plain = utils.parseKey(text);
  if (!(plain instanceof Error)) return { privateKey: text };
  if (!isEncryptedKeyError(plain)) {
    throw new ConnectionError('SSH_KEY', host, `identity file ${file} is not a private key ssh2 can read (${plain.message})`, {
      hint: 'set ssh.identityFile to an OpenSSH or PEM private key',
    });
  }
  if (!ask) {
    if (agentAvailable) return { encryptedSkipped: file };
    throw new ConnectionError('SSH_KEY_ENCRYPTED', host, `identity file ${file} is protected by a passphrase and there is no terminal to ask for it`, {
      hint: `load it into ssh-agent (eval "$(ssh-agent)"; ssh-add ${file}), or set ssh.identityFile to a key without a passphrase`,
    });
  }
  let pending = passphrases.get(file);
  if (!pending) {
    pending = ask(file);
    passphrases.set(file, pending);
  }
  const passphrase = await pending;
  if (utils.parseKey(text, passphrase) instanceof Error) {
    passphrases.delete(file);
    throw new ConnectionError('SSH_KEY_PASSPHRASE', host, `wrong passphrase for identity file ${file}`, {
      hint: `run zkk again and type the key's passphrase, or load the key into ssh-agent (ssh-add ${file})`,
    });
  }
  return { privateKey: text, passphrase };
}
