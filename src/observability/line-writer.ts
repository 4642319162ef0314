import { writeSync } from 'node:fs';

/** Writes of at most this many bytes to a pipe are atomic (POSIX PIPE_BUF on Linux). */
export const PIPE_BUF = 4096;

/** A batch reaching this size is written at once rather than when its delay is up. */
const MAX_BATCH = 65536;

/** How long a line may wait for others to share its write. */
export const FLUSH_DELAY_MS = 10;

/**
 * The stdout sink of every log line (pino's and the access log's). Lines are joined and leave
 * in one write(2) FLUSH_DELAY_MS after the first of them, or at once past 64 KiB: a syscall per
 * batch instead of one per line, and no thread-pool hop as with an async fs.write. (Flushing at
 * the end of every event-loop turn wrote 1-3 lines per write at 100 KiB responses, and each
 * write to a pipe wakes its reader: the access log cost +26 % CPU there, +5 % with the delay.) Writes are blocking like pino's default; a non-blocking stdout that is full
 * (EAGAIN) keeps the text and retries shortly, dropping (and counting) beyond `maxPending`.
 */
export class LineWriter {
  private pending = '';
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Bytes of log text dropped because stdout stayed full. */
  dropped = 0;
  private readonly flushBound: () => void;

  constructor(
    private readonly fd: number,
    /**
     * Largest single write. PIPE_BUF when several processes share the fd (--workers): such writes
     * to a pipe are atomic, so their lines never interleave. A process alone writes its whole
     * batch at once: with 4 KiB writes (each waking the reader) the access log cost about twice
     * as much CPU per 1 KiB request.
     */
    private readonly pieceBytes = MAX_BATCH,
    private readonly maxPending = 8 * 1024 * 1024,
  ) {
    this.flushBound = () => this.flush();
  }

  /** Stream-like: pino calls this with whole lines. */
  write(text: string): boolean {
    this.pending += text;
    if (this.pending.length >= MAX_BATCH) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      // Unref'd: a pending batch does not hold the process open; exit flushes it (logger.ts).
      setTimeout(this.flushBound, FLUSH_DELAY_MS).unref();
    }
    return true;
  }

  /** Writes everything pending now (also used at exit). */
  flush(): void {
    this.scheduled = false;
    if (this.pending === '' || this.retryTimer !== null) return;
    let buf = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    while (buf.length > 0) {
      // Pieces of at most pieceBytes ending at a line end (see the constructor).
      let end = buf.length;
      if (end > this.pieceBytes) {
        const nl = buf.lastIndexOf(0x0a, this.pieceBytes - 1);
        end = nl === -1 ? buf.indexOf(0x0a) + 1 || buf.length : nl + 1;
      }
      let n: number;
      try {
        n = writeSync(this.fd, buf, 0, end);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return; // stdout gone: drop
        this.keep(buf);
        return;
      }
      buf = buf.subarray(n);
    }
  }

  private keep(rest: Buffer): void {
    const text = rest.toString('utf8') + this.pending;
    if (text.length > this.maxPending) {
      this.dropped += text.length;
      this.pending = '';
      return;
    }
    this.pending = text;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.flush();
    }, 10);
    this.retryTimer.unref();
  }
}
