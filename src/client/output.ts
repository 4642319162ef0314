import { closeSync, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { BodyTarget } from './connection';
import { TerminalSanitizer } from './content';
import { ClientError } from './errors';
import { candidateNames } from './filename';
import { renderProgress } from './progress';

/** A stream the client writes to (process.stdout / stderr, or a test double). */
export interface OutputStream {
  write(chunk: Buffer | string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
}

/** Text for a terminal: decoded, then control and escape sequences made visible. */
export class SanitizedTextTarget implements BodyTarget {
  private readonly decoder: StringDecoder;
  private readonly sanitizer = new TerminalSanitizer();

  constructor(
    private readonly out: OutputStream,
    encoding: 'utf8' | 'latin1',
  ) {
    this.decoder = new StringDecoder(encoding);
  }

  write(chunk: Buffer): boolean {
    const text = this.sanitizer.push(this.decoder.write(chunk));
    return text === '' ? true : this.out.write(text);
  }

  once(event: 'drain', listener: () => void): unknown {
    return this.out.once(event, listener);
  }

  end(): void {
    const text = this.sanitizer.push(this.decoder.end()) + this.sanitizer.end();
    if (text !== '') this.out.write(text);
  }
}

/**
 * Writes a message that may quote the server (a file name, a Location, a response head): on a
 * terminal its control characters are made visible like a text body's.
 */
export function writeForHuman(out: OutputStream, text: string): void {
  if (out.isTTY !== true) {
    out.write(text);
    return;
  }
  const sanitizer = new TerminalSanitizer();
  out.write(sanitizer.push(text) + sanitizer.end());
}

/** Bytes exactly as received (stdout into a pipe, or -o -). */
export class RawTarget implements BodyTarget {
  constructor(private readonly out: OutputStream) {}
  write(chunk: Buffer): boolean {
    return this.out.write(chunk);
  }
  once(event: 'drain', listener: () => void): unknown {
    return this.out.once(event, listener);
  }
}

/**
 * Opens a new file for a download in `dir`, never replacing an existing one: the open is
 * exclusive ('wx'), and on EEXIST the next candidate name is tried (name-1.ext, ...). The
 * resolved path is checked to stay inside `dir` even though the name was already sanitised.
 */
export function openUniqueFile(dir: string, name: string): { fd: number; path: string } {
  const root = resolve(dir);
  for (const candidate of candidateNames(name)) {
    const path = resolve(root, candidate);
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..') || rel.includes(sep)) {
      throw new ClientError('RRC_ERR_FILE', `refusing to save outside ${root}: '${candidate}'`);
    }
    try {
      return { fd: openSync(path, 'wx', 0o644), path };
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EEXIST') continue;
      throw new ClientError('RRC_ERR_FILE', `cannot create ${path}: ${(err as Error).message}`);
    }
  }
  throw new ClientError('RRC_ERR_FILE', `no free file name for '${name}' in ${root}`);
}

/** Opens -o FILE: the user named it, so it is replaced like curl -o does. */
export function openNamedFile(path: string): { fd: number; path: string } {
  try {
    return { fd: openSync(path, 'w', 0o644), path: resolve(path) };
  } catch (err) {
    throw new ClientError('RRC_ERR_FILE', `cannot create ${path}: ${(err as Error).message}`);
  }
}

/** A file being written; `done()` resolves when every byte is on disk (or rejects). */
export class FileTarget implements BodyTarget {
  private readonly stream: WriteStream;
  private error: Error | null = null;
  bytes = 0;

  constructor(
    fd: number,
    readonly path: string,
  ) {
    this.stream = createWriteStream(path, { fd, autoClose: true });
    this.stream.on('error', (err) => {
      this.error = err;
    });
  }

  write(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    return this.stream.write(chunk);
  }

  once(event: 'drain', listener: () => void): unknown {
    return this.stream.once(event, listener);
  }

  done(): Promise<void> {
    return new Promise((res, rej) => {
      if (this.error !== null) {
        rej(new ClientError('RRC_ERR_FILE', `writing ${this.path}: ${this.error.message}`));
        return;
      }
      this.stream.once('error', (err) =>
        rej(new ClientError('RRC_ERR_FILE', `writing ${this.path}: ${err.message}`)),
      );
      this.stream.end(() => res());
    });
  }

  /** Closes without finishing (the exchange failed before the body was complete). */
  abort(): void {
    this.stream.destroy();
  }
}

/** Closes an fd that never got a FileTarget (error between open and use). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Wraps a target and redraws a progress line on a terminal at most every 100 ms. */
export class ProgressTarget implements BodyTarget {
  private received = 0;
  private lastDraw = 0;
  private readonly started = performance.now();
  private drawn = false;

  constructor(
    private readonly inner: BodyTarget,
    private readonly tty: OutputStream,
    private readonly total: number | null,
  ) {}

  write(chunk: Buffer): boolean {
    this.received += chunk.length;
    const now = performance.now();
    if (now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.draw(now);
    }
    return this.inner.write(chunk);
  }

  once(event: 'drain', listener: () => void): unknown {
    return this.inner.once(event, listener);
  }

  private draw(now: number): void {
    this.drawn = true;
    // \r and erase-line (CSI 2K): redraw in place on the terminal.
    this.tty.write('\r\x1b[2K' + renderProgress(this.received, this.total, now - this.started));
  }

  /** Draws the final state and moves to a new line. */
  finish(): void {
    if (!this.drawn && this.received === 0) return;
    this.draw(performance.now());
    this.tty.write('\n');
  }
}

/** The path as shown to the user: relative to cwd when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') ? '.' + sep + rel : path;
}
