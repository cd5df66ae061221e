// Errors of the network lab: stable codes and messages that say what to do, in one typed table.

export type LabErrorCode =
  | 'bad-option'
  | 'unsupported'
  | 'command-failed'
  | 'coturn-failed'
  | 'already-running'
  | 'unknown-viewer';

const MESSAGES: Record<LabErrorCode, (detail: string) => string> = {
  'bad-option': (reason) => `lab: ${reason}`,
  unsupported: (missing) => `lab: this machine cannot run the lab: it needs ${missing}`,
  'command-failed': (what) =>
    `lab: ${what} (leftovers are removed by the next lab start, or see lab/README.md)`,
  'coturn-failed': (reason) => `lab: coturn did not start: ${reason}`,
  'already-running': (prefix) =>
    `lab: ${prefix} is already running in this process: close() it first (one lab per process: its addresses are fixed)`,
  'unknown-viewer': (name) => `lab: no viewer '${name}' in this lab`,
};

export class LabError extends Error {
  readonly code: LabErrorCode;

  constructor(code: LabErrorCode, detail: string) {
    super(MESSAGES[code](detail));
    this.name = 'LabError';
    this.code = code;
  }
}
