import { writeSync } from 'node:fs';

/** Writes of at most this many bytes to a pipe are atomic (POSIX PIPE_BUF on Linux). */
export const PIPE_BUF = 4096;

/** A batch reaching this size is written at once rather than when its delay is up. */
const MAX_BATCH = 65536;

/** How long a line may wait for others to share its write. */
export const FLUSH_DELAY_MS = 10;

/**
 * The stdout sink of every log line (pino's and the access log's). Lines are encoded into one
 * buffer as they come and leave in one write(2) FLUSH_DELAY_MS after the first of them, or at
 * once past 64 KiB: a syscall per batch instead of one per line, and no thread-pool hop as with
 * an async fs.write. (Flushing at the end of every event-loop turn wrote 1-3 lines per write at
 * 100 KiB responses, and each write to a pipe wakes its reader: the access log cost +26 % CPU
 * there, +5 % with the delay.) Writes are blocking like pino's default; a non-blocking stdout
 * that is full (EAGAIN) keeps the bytes and retries shortly, dropping (and counting) lines
 * beyond `maxPending`.
 */
export class LineWriter {
  /** Encoded lines not yet written: buf[0, len). */
  private buf = Buffer.allocUnsafeSlow(2 * MAX_BATCH);
  private len = 0;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Bytes of log text dropped because stdout stayed full. */
  dropped = 0;
  private readonly flushBound: () => void;
  private readonly retryBound: () => void;

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
    this.retryBound = () => {
      this.retryTimer = null;
      this.flush();
    };
  }

  /**
   * Stream-like: pino and the access log call this with whole lines. Each is encoded into the
   * batch buffer at once, so its strings die young instead of waiting in a rope for the flush.
   */
  write(text: string): boolean {
    const buf = this.claim(text.length * 3); // UTF-8 bytes per UTF-16 unit, at most
    if (buf === null) this.dropped += Buffer.byteLength(text);
    else this.commit(this.len + buf.write(text, this.len));
    return true;
  }

  /**
   * Room to encode a line of at most `max` bytes in place: returns the buffer, to be written
   * from `length` on and handed back with commit(end); null when there is no room (the line is
   * then dropped, as write() would).
   */
  claim(max: number): Buffer | null {
    if (this.len + max > this.buf.length) {
      this.flush();
      if (this.len + max > this.buf.length && !this.grow(this.len + max)) return null;
    }
    return this.buf;
  }

  /** Where a claimed line starts. */
  get length(): number {
    return this.len;
  }

  /** The claimed line ends at `end`. */
  commit(end: number): void {
    this.len = end;
    this.scheduleOrFlush();
  }

  private scheduleOrFlush(): void {
    if (this.len >= MAX_BATCH) this.flush();
    else if (!this.scheduled && this.retryTimer === null) {
      this.scheduled = true;
      // Unref'd: a pending batch does not hold the process open; exit flushes it (logger.ts).
      setTimeout(this.flushBound, FLUSH_DELAY_MS).unref();
    }
  }

  /** Writes everything pending now (also used at exit). */
  flush(): void {
    this.scheduled = false;
    if (this.len === 0 || this.retryTimer !== null) return;
    const buf = this.buf;
    const len = this.len;
    let off = 0;
    while (off < len) {
      // Pieces of at most pieceBytes ending at a line end (see the constructor).
      let end = len;
      if (end - off > this.pieceBytes) {
        const nl = buf.lastIndexOf(0x0a, off + this.pieceBytes - 1);
        end = nl >= off ? nl + 1 : buf.indexOf(0x0a, off) + 1 || len;
        if (end > len) end = len;
      }
      try {
        off += writeSync(this.fd, buf, off, end - off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          this.len = 0; // stdout gone: drop
          return;
        }
        // Full (a non-blocking stdout): keep the rest and retry shortly.
        buf.copyWithin(0, off, len);
        this.len = len - off;
        this.retryTimer = setTimeout(this.retryBound, 10);
        this.retryTimer.unref();
        return;
      }
    }
    this.len = 0;
  }

  /** Makes room for `need` bytes, within maxPending; false when that is too much. */
  private grow(need: number): boolean {
    if (need > this.maxPending) return false;
    const bigger = Buffer.allocUnsafeSlow(
      Math.min(this.maxPending, Math.max(need, this.buf.length * 2)),
    );
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
    return true;
  }
}
