// --qoe-log: accepted QoE reports as JSON lines for a data pipeline (schema: PROTOCOL.md "QoE log"). Lines are
// queued and written in batches, one write in flight, off the message path; the queue is bounded, so a disk
// that stalls costs dropped lines (counted), never memory. The file is rotated by size: PATH → PATH.1 → … →
// PATH.<files-1>, the oldest deleted. '-' writes to stdout instead (no rotation).
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, write } from 'node:fs';
import type { SignalServerConfig } from '../config';
import type { QoeLogRecord } from './qoe-log-record';

const encoder = new TextEncoder();
/** Lines waiting for the disk beyond this are dropped: ~8,000 reports, seconds of a large server's traffic. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export type QoeLogConfig = Pick<SignalServerConfig, 'qoeLog' | 'qoeLogMaxBytes' | 'qoeLogFiles'>;

export class QoeLog {
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private fd: number | null = null;
  private size = 0;

  /** Opens the file at once, so a path that cannot be written stops the start. */
  constructor(
    private readonly config: QoeLogConfig,
    private readonly counted: (result: 'written' | 'dropped', records: number) => void,
  ) {
    if (config.qoeLog !== '-') this.open();
  }

  write(record: QoeLogRecord): void {
    if (this.closing) return;
    const line = `${JSON.stringify(record)}\n`;
    if (this.queuedBytes + line.length > MAX_QUEUED_BYTES) {
      this.counted('dropped', 1);
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (!this.writing) {
      this.writing = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued, then closes the file. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.drained = resolve;
      if (!this.writing) this.flush();
    }).then(() => {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
    });
    return this.closing;
  }

  /** One batch: everything queued. Called with `writing` set (or nothing in flight), clears it when done. */
  private flush(): void {
    const lines = this.queue.length;
    if (lines === 0) {
      this.writing = false;
      this.drained?.();
      return;
    }
    this.writing = true;
    const text = this.queue.join('');
    this.queue = [];
    this.queuedBytes = 0;
    const done = (error: Error | null | undefined) => {
      this.counted(error ? 'dropped' : 'written', lines);
      this.flush();
    };
    if (this.config.qoeLog === '-') {
      process.stdout.write(text, done);
      return;
    }
    const bytes = encoder.encode(text);
    if (this.size > 0 && this.size + bytes.length > this.config.qoeLogMaxBytes) this.rotate();
    this.size += bytes.length;
    write(this.fd as number, bytes, 0, bytes.length, null, done);
  }

  private open(): void {
    this.fd = openSync(this.config.qoeLog, 'a');
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    closeSync(this.fd as number);
    const path = this.config.qoeLog;
    const kept = this.config.qoeLogFiles - 1;
    if (kept === 0) rmSync(path, { force: true });
    for (let n = kept; n >= 1; n--) {
      const from = n === 1 ? path : `${path}.${n - 1}`;
      if (existsSync(from)) renameSync(from, `${path}.${n}`);
    }
    this.open();
  }
}
