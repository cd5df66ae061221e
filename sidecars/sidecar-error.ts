// What peerlane-hashes reports about an input it cannot describe: a stable code, the file, where in it (a line,
// an element) when known, and what to do. One table of messages, typed by code.

export interface SidecarErrorDetails {
  'not-a-playlist': { found: string };
  'malformed-tag': { tag: string; expected: string };
  'uri-without-extinf': { uri: string };
  'missing-file': { uri: string };
  'range-outside-file': { uri: string; range: string; size: number };
  'invalid-mpd': { reason: string };
  'unreadable-representation': { reason: string };
  'no-sidx': { uri: string };
  'too-many-hashes': { hashes: number; bytes: number; maxHashes: number; maxBytes: number };
  unreadable: { reason: string };
}

export type SidecarErrorCode = keyof SidecarErrorDetails;

const messages: { [Code in SidecarErrorCode]: (details: SidecarErrorDetails[Code]) => string } = {
  'not-a-playlist': ({ found }) => `not an HLS playlist: the first line must be #EXTM3U, found '${found}'`,
  'malformed-tag': ({ tag, expected }) => `malformed ${tag}: expected ${expected}`,
  'uri-without-extinf': ({ uri }) => `segment '${uri}' has no #EXTINF before it`,
  'missing-file': ({ uri }) => `'${uri}' names no file under the directory (hash what players fetch)`,
  'range-outside-file': ({ uri, range, size }) =>
    `byte range ${range} of '${uri}' lies outside its ${size} bytes`,
  'invalid-mpd': ({ reason }) => `not a readable DASH MPD: ${reason}`,
  'unreadable-representation': ({ reason }) => `its segments cannot be listed: ${reason}`,
  'no-sidx': ({ uri }) => `SegmentBase indexRange of '${uri}' holds no readable sidx box`,
  'too-many-hashes': ({ hashes, bytes, maxHashes, maxBytes }) =>
    `the sidecar would hold ${hashes} hashes in ${bytes} bytes; the worker reads at most ${maxHashes} in ` +
    `${maxBytes} bytes: split the manifests into more directories`,
  unreadable: ({ reason }) => `cannot be read: ${reason}`,
};

export class SidecarError<Code extends SidecarErrorCode = SidecarErrorCode> extends Error {
  override readonly name = 'SidecarError';
  constructor(
    readonly code: Code,
    /** The input concerned (a path as given on the command line, joined with its name under DIR). */
    readonly file: string,
    /** Where in it: `line 12`, `Representation id="720p"`; null for the whole file. */
    readonly where: string | null,
    details: SidecarErrorDetails[Code],
  ) {
    super(`${file}${where ? ` (${where})` : ''}: ${messages[code](details)} [${code}]`);
  }
}
