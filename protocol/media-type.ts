// The Content-Type to serve with segment bytes whose HTTP headers we never saw (peer-delivered), by extension.
// Players decide by the bytes, not this header, but a correct one keeps devtools and strict loaders happy.

const BY_EXTENSION: Record<string, string> = {
  ts: 'video/mp2t',
  m2ts: 'video/mp2t',
  mts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  cmfv: 'video/mp4',
  m4a: 'audio/mp4',
  cmfa: 'audio/mp4',
  aac: 'audio/aac',
  mp3: 'audio/mpeg',
  ac3: 'audio/ac3',
  ec3: 'audio/eac3',
  webm: 'video/webm',
  vtt: 'text/vtt',
  webvtt: 'text/vtt',
};

/** The lower-case extension of a URL's last path segment, '' when it has none. */
export function extensionOf(url: string): string {
  const path = new URL(url).pathname;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function mediaTypeFor(url: string): string {
  return BY_EXTENSION[extensionOf(url)] ?? 'application/octet-stream';
}
