// SHA-256 of files and byte ranges of them, each file read once and its whole digest remembered while its size
// and modification time stay the same (a live packager may write a new file under an old name).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export interface Digest {
  size: number;
  sha256: string;
}

export class FileDigests {
  private readonly wholes = new Map<string, { stamp: string; digest: Digest }>();
  /** The file read last, for the ranges of one file that outputs list together. */
  private current: { file: string; stamp: string; data: Uint8Array } | null = null;

  /** Size of `file`, or undefined when it is not a readable file. */
  sizeOf(file: string): number | undefined {
    try {
      const stats = statSync(file);
      return stats.isFile() ? stats.size : undefined;
    } catch {
      return undefined;
    }
  }

  whole(file: string): Digest {
    const stamp = stampOf(file);
    const known = this.wholes.get(file);
    if (known?.stamp === stamp) return known.digest;
    const data = this.read(file, stamp);
    const digest = { size: data.byteLength, sha256: sha256(data) };
    this.wholes.set(file, { stamp, digest });
    return digest;
  }

  /** The digest of bytes `start`..`end` (inclusive); throws a RangeError when the file is shorter. */
  range(file: string, start: number, end: number): Digest {
    const data = this.read(file, stampOf(file)).subarray(start, end + 1);
    if (data.byteLength !== end - start + 1) throw new RangeError(`${file} has no bytes ${start}-${end}`);
    return { size: data.byteLength, sha256: sha256(data) };
  }

  /** Forgets every file but `kept` (watch mode: what the manifests no longer list). */
  retain(kept: ReadonlySet<string>): void {
    for (const file of this.wholes.keys()) if (!kept.has(file)) this.wholes.delete(file);
  }

  private read(file: string, stamp: string): Uint8Array {
    if (this.current?.file !== file || this.current.stamp !== stamp) {
      // A plain Uint8Array: Node's Buffer type does not satisfy crypto's BinaryLike under TypeScript 5.9's libs.
      this.current = { file, stamp, data: new Uint8Array(readFileSync(file)) };
    }
    return this.current.data;
  }
}

function stampOf(file: string): string {
  const stats = statSync(file);
  return `${stats.size}:${stats.mtimeMs}`;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
