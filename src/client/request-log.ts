import { createWriteStream, type WriteStream } from 'node:fs';
import { ClientError } from './errors';

/** One line of the --log file: a request and what came of it. */
export interface RequestLogEntry {
  readonly time: string;
  readonly method: string;
  readonly url: string;
  /** host:port actually connected to (the proxy with --proxy). */
  readonly connectTo: string;
  readonly status: number | null;
  readonly reason?: string;
  readonly bytesSent?: number;
  readonly bodyBytes?: number;
  readonly durationMs: number;
  readonly backend?: string | null;
  readonly savedTo?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Appends one JSON object per line to the --log file (the original project's request log), so
 * runs can be compared and grepped. Opened in append mode: earlier runs are kept.
 */
export class RequestLog {
  private readonly stream: WriteStream;
  private error: Error | null = null;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (err) => {
      this.error = err;
    });
  }

  append(entry: RequestLogEntry): void {
    this.stream.write(JSON.stringify(entry) + '\n');
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error): void =>
        reject(new ClientError('RRC_ERR_FILE', `--log ${this.path}: ${err.message}`));
      if (this.error !== null) {
        fail(this.error);
        return;
      }
      this.stream.once('error', fail);
      this.stream.end(() => resolve());
    });
  }
}

export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
