// The hash sidecar an origin publishes (README: "Origin-published hashes"): the response header that names it and
// its JSON format, declared once for whatever writes sidecars and the worker that reads them (sw/worker/hash-sidecar.ts).

/** Response header naming the sidecar, relative to the response's URL. */
export const HASHES_HEADER = 'Peerlane-Hashes';
export const SIDECAR_VERSION = 'hashes/1';

/** The sidecar as JSON. URLs are relative to the sidecar's own URL. */
export interface HashSidecarJson {
  peerlane: typeof SIDECAR_VERSION;
  /** Segments (or byte ranges of files, `range` inclusive) with their size and SHA-256. */
  segments?: Array<{ url: string; range?: [number, number]; size: number; sha256: string }>;
  /** Progressive files: one SHA-256 per piece of `pieceBytes` (the last piece holds the rest). */
  files?: Array<{ url: string; size: number; pieceBytes: number; pieces: string[] }>;
}
