// Errors of the local origin: stable codes and messages that say what to do, in one typed table.

export type OriginErrorCode = 'media-missing' | 'port-in-use' | 'listen-failed' | 'bad-flag' | 'bad-option';

const MESSAGES: Record<OriginErrorCode, (detail: string) => string> = {
  'media-missing': (dir) =>
    `no test media in ${dir}: run \`node examples/media/make-media.mjs\` (needs ffmpeg: apt-get install -y ffmpeg)`,
  'port-in-use': (port) => `port ${port} is already in use: pick another with --port (0 picks a free one)`,
  'listen-failed': (reason) => `cannot listen: ${reason}`,
  'bad-flag': (reason) => `${reason} (see --help)`,
  'bad-option': (reason) => `${reason}, or leave it out for the default (see --help)`,
};

export class OriginError extends Error {
  readonly code: OriginErrorCode;

  constructor(code: OriginErrorCode, detail: string) {
    super(MESSAGES[code](detail));
    this.name = 'OriginError';
    this.code = code;
  }
}
