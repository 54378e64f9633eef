/**
 * How an action reads in `zkk plan --commands` and in the JSON report: the exact command
 * text with secrets masked (a script's whole body), never the stdin it is fed (file
 * bodies: only their size and sha256 are named).
 */
import type { Action } from './operation.js';

export function actionListing(a: Action): string {
  switch (a.kind) {
    case 'exec': {
      const text = a.command.listing ?? a.command.display;
      return a.stdin === undefined ? text : `${text}\n# stdin: ${a.stdinLabel ?? `${Buffer.byteLength(a.stdin)} bytes`}`;
    }
    case 'upload':
      return `upload ${a.localPath} -> ${a.remotePath} (sha512 ${a.sha512.slice(0, 16)}…: into a fresh mktemp -d on the host, checked there, then renamed into place)`;
    case 'restart':
      return `${a.command.listing ?? a.command.display}  # by the ${a.handler} handler, after every host's steps (rolling, health-gated)`;
  }
}
