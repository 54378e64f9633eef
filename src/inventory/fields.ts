/**
 * The field types every inventory block shares (ports, paths, names, releases), so the
 * blocks that roles contribute validate the same way the core blocks do.
 */
import { z } from 'zod';

export const portField = z.number().int().min(1).max(65535);
export const absolutePathField = z.string().regex(/^\//, 'must be an absolute path');
export const propertyValueField = z.union([z.string(), z.number(), z.boolean()]);
export const nameField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, dot, dash, underscore');
export const versionField = z.string().regex(/^\d+\.\d+\.\d+$/);
export const sha512Field = z.string().regex(/^[0-9a-fA-F\s]{128,}$/);

export const releaseSchema = z
  .strictObject({
    url: z.string().url().optional().describe('Base URL laid out like the Apache archive (default https://archive.apache.org/dist)'),
    mirror: z.string().optional().describe('A mirror base URL or a local directory with the Apache archive layout'),
    file: z.string().optional().describe('A local release tarball on the control node (checksum from sha512 or FILE.sha512)'),
    sha512: sha512Field.optional().describe('Expected SHA-512 (hex); default: the .sha512 published beside the tarball'),
    allowInsecure: z
      .boolean()
      .optional()
      .describe('Accept an http:// url or mirror without sha512 (warned): tarball and checksum then come unauthenticated from the same place'),
  })
  .describe('Where the release tarball comes from; it is always SHA-512 verified');
