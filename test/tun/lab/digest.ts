// SHA-256 checks for byte-exact transfers: random payload files with their digests, and digests of
// files and streams, so a 64 MiB transfer is compared without holding it in memory twice.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface Digest {
  bytes: number;
  sha256: string;
}

/** Writes `bytes` random bytes to `path` and returns their digest. */
export function writeRandomFile(path: string, bytes: number): Digest {
  const data = randomBytes(bytes);
  writeFileSync(path, data);
  return { bytes, sha256: createHash('sha256').update(data).digest('hex') };
}

/** Digests everything a stream yields until it ends. */
export async function digestStream(stream: Readable): Promise<Digest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

export function digestFile(path: string): Promise<Digest> {
  return digestStream(createReadStream(path));
}
