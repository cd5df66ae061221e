// Finds what peerlane-hashes describes under a directory: manifests (HLS .m3u8, DASH .mpd) and MP4 files, by
// extension, skipping hidden folders. Paths come back relative to the directory, with `/` separators.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface MediaFiles {
  manifests: string[];
  mp4s: string[];
}

const MANIFEST = /\.(m3u8|mpd)$/i;
const MP4 = /\.(mp4|m4v)$/i;

export function findMediaFiles(root: string): MediaFiles {
  const found: MediaFiles = { manifests: [], mp4s: [] };
  const visit = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile() && MANIFEST.test(entry.name)) found.manifests.push(path);
      else if (entry.isFile() && MP4.test(entry.name)) found.mp4s.push(path);
    }
  };
  visit('');
  found.manifests.sort();
  found.mp4s.sort();
  return found;
}
