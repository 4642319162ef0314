import { unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BodyFraming, ResponseHead } from '../http';
import type { RequestOptions } from './args';
import { bodyLength, loadRequestBody } from './body-source';
import { ClientConnection, type BodyTarget, type RequestBody } from './connection';
import { decoderEncoding, isTextual, looksLikeText, parseMediaType } from './content';
import { asClientError, ClientError } from './errors';
import { chooseFileName } from './filename';
import {
  displayPath,
  FileTarget,
  openNamedFile,
  openUniqueFile,
  ProgressTarget,
  RawTarget,
  SanitizedTextTarget,
  writeForHuman,
  type OutputStream,
} from './output';
import { wantsProgress } from './progress';
import { RequestLog, roundMs } from './request-log';
import { buildRequestHead, withFormContentType, type UserHeader } from './request';
import {
  parseProxyAddress,
  parseUrl,
  resolveUrl,
  sameOrigin,
  targetPath,
  type TargetUrl,
} from './url';
import { USER_AGENT } from './version';

/** The process streams, passed in so the runner can be driven from tests. */
export interface ClientIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly cwd: string;
}

/** Where one response body went, and how to complete or undo it. */
interface Sink {
  readonly target: BodyTarget;
  /** Flushes; returns the saved file's path, or null when the body went to stdout. */
  finish(): Promise<string | null>;
  abort(): void;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Fields that carry credentials: not sent to another origin after a redirect (RFC 9110 15.4). */
const CREDENTIAL_FIELDS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** "> " / "< " before each line of a head, as curl -v prints them; the empty last line kept as ">". */
function prefixLines(head: string, prefix: string): string {
  const lines = head.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => prefix + l + '\n').join('') + prefix.trimEnd() + '\n';
}

/** Writes a head (latin1 bytes as received) for a human: sanitised on a terminal. */
function writeHead(out: OutputStream, raw: Buffer): void {
  if (out.isTTY === true) {
    const t = new SanitizedTextTarget(out, 'latin1');
    t.write(raw);
    t.end();
  } else {
    out.write(raw);
  }
}

/** The single-request mode: one request (plus redirects with -L), body shown or saved. */
export class SingleRequestRunner {
  private readonly log: RequestLog | null;

  constructor(
    private readonly opts: RequestOptions,
    private readonly io: ClientIo,
  ) {
    this.log = opts.logFile === null ? null : new RequestLog(resolve(io.cwd, opts.logFile));
  }

  private note(message: string): void {
    if (!this.opts.silent) writeForHuman(this.io.stderr, message + '\n');
  }

  private verbose(message: string): void {
    if (this.opts.verbose) writeForHuman(this.io.stderr, message);
  }

  /** Runs the request; returns the process exit code. Errors are printed here. */
  async run(): Promise<number> {
    try {
      return await this.runHops();
    } catch (err) {
      const ce = asClientError(err);
      writeForHuman(this.io.stderr, `rrproxy-client: ${ce.message}\n`);
      return ce.exitCode;
    } finally {
      if (this.log !== null) {
        await this.log
          .close()
          .catch((err: Error) => this.io.stderr.write(`rrproxy-client: ${err.message}\n`));
      }
    }
  }

  private async runHops(): Promise<number> {
    const opts = this.opts;
    let url = parseUrl(opts.url);
    const proxy = opts.proxy === null ? null : parseProxyAddress(opts.proxy);
    let body = opts.data === null ? null : await loadRequestBody(opts.data, this.io.stdin);
    let method = opts.method;
    let headers = withFormContentType(opts.headers, opts.formData, body !== null);
    for (let hop = 0; ; hop++) {
      const head = await this.exchangeOnce(url, method, headers, body, proxy);
      const location = head.headers.get('location');
      if (!REDIRECT_STATUSES.has(head.status) || location === undefined) {
        if (opts.fail && head.status >= 400) {
          throw new ClientError(
            'RRC_ERR_HTTP_STATUS',
            `server answered ${head.status} ${head.reason}`.trimEnd(),
          );
        }
        return 0;
      }
      if (!opts.followRedirects) {
        this.note(`* redirect (${head.status}) to ${location}; use -L to follow`);
        return 0;
      }
      if (hop >= opts.maxRedirects) {
        throw new ClientError(
          'RRC_ERR_TOO_MANY_REDIRECTS',
          `stopped after ${opts.maxRedirects} redirects`,
        );
      }
      const next = resolveUrl(url, location);
      if (!sameOrigin(url, next)) {
        headers = headers.filter((h) => !CREDENTIAL_FIELDS.has(h.name.toLowerCase()));
      }
      // RFC 9110 15.4.4: 303 turns into GET; 301/302 after POST too, as user agents do (15.4.2-3).
      // 307 and 308 repeat the method and body.
      if (
        (head.status === 303 && method !== 'HEAD') ||
        ((head.status === 301 || head.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = null;
        headers = headers.filter((h) => h.name.toLowerCase() !== 'content-type');
      }
      this.verbose(`* following redirect to ${next.href}\n`);
      url = next;
    }
  }

  private async exchangeOnce(
    url: TargetUrl,
    method: string,
    headers: readonly UserHeader[],
    body: RequestBody | null,
    proxy: { host: string; port: number; label: string } | null,
  ): Promise<ResponseHead> {
    const opts = this.opts;
    const host = proxy?.host ?? url.host;
    const port = proxy?.port ?? url.port;
    const started = performance.now();
    const time = new Date().toISOString();
    const connectTo = proxy?.label ?? url.hostHeader;
    let sink: Sink | null = null;
    try {
      this.verbose(
        `* connecting to ${connectTo}${proxy === null ? '' : ` (proxy for ${url.hostHeader})`}\n`,
      );
      const conn = await ClientConnection.connect(host, port, opts.timeoutMs);
      this.verbose(`* connected to ${conn.where}\n`);
      const requestHead = buildRequestHead({
        method,
        url,
        headers,
        bodyLength: bodyLength(body),
        userAgent: USER_AGENT,
        keepAlive: false,
      });
      this.verbose(prefixLines(requestHead, '> '));
      const result = await conn.exchange(requestHead, body, method, false, (head, raw, framing) => {
        if (opts.verbose) {
          writeForHuman(this.io.stderr, prefixLines(raw.toString('latin1'), '< '));
        }
        if (opts.headOnly || opts.include) writeHead(this.io.stdout, raw);
        const location = head.headers.get('location');
        if (opts.followRedirects && REDIRECT_STATUSES.has(head.status) && location !== undefined)
          return null;
        sink = this.sinkFor(head, framing, url);
        return sink === null ? null : sink.target;
      });
      const savedTo = sink === null ? null : await (sink as Sink).finish();
      this.log?.append({
        time,
        method,
        url: url.href,
        connectTo,
        status: result.head.status,
        reason: result.head.reason,
        bytesSent: result.bytesSent,
        bodyBytes: result.bodyBytes,
        durationMs: roundMs(performance.now() - started),
        ...(savedTo === null ? {} : { savedTo }),
      });
      this.verbose(`* ${result.bodyBytes} body bytes in ${roundMs(result.totalMs)} ms\n`);
      return result.head;
    } catch (err) {
      if (sink !== null) (sink as Sink).abort();
      const ce = asClientError(err);
      this.log?.append({
        time,
        method,
        url: url.href,
        connectTo,
        status: null,
        durationMs: roundMs(performance.now() - started),
        error: { code: ce.code, message: ce.message },
      });
      throw ce;
    }
  }

  /** Decides where a body goes (RFC 9112 6.3 framing already known): stdout, a file, or nowhere. */
  private sinkFor(head: ResponseHead, framing: BodyFraming, url: TargetUrl): Sink | null {
    const opts = this.opts;
    if (framing.kind === 'none') return null;
    const mt = parseMediaType(head.headers.get('content-type'));
    const total = framing.kind === 'length' ? framing.length : null;
    if (opts.output === '-') return this.stdoutSink(false, 'utf8');
    if (opts.output !== null) {
      const { fd, path } = openNamedFile(resolve(this.io.cwd, opts.output));
      return this.fileSink(fd, path, total, mt.essence);
    }
    if (isTextual(mt))
      return this.stdoutSink(this.io.stdout.isTTY === true, decoderEncoding(mt.charset));
    if (mt.essence === '') {
      // No Content-Type: look at the first bytes before choosing (RFC 9110 8.3).
      return new SniffingSink((first) =>
        looksLikeText(first)
          ? this.stdoutSink(this.io.stdout.isTTY === true, 'utf8')
          : this.saveSink(head, url, total, 'application/octet-stream'),
      );
    }
    return this.saveSink(head, url, total, mt.essence);
  }

  private stdoutSink(sanitize: boolean, encoding: 'utf8' | 'latin1'): Sink {
    const target = sanitize
      ? new SanitizedTextTarget(this.io.stdout, encoding)
      : new RawTarget(this.io.stdout);
    return {
      target,
      finish: () => {
        if (target instanceof SanitizedTextTarget) target.end();
        return Promise.resolve(null);
      },
      abort: () => undefined,
    };
  }

  private saveSink(
    head: ResponseHead,
    url: TargetUrl,
    total: number | null,
    mediaType: string,
  ): Sink {
    const chosen = chooseFileName({
      contentDisposition: head.headers.get('content-disposition'),
      urlPath: targetPath(url.target),
      mediaType,
    });
    // Always shown, even with -s: the server proposed a name that would have escaped.
    if (chosen.warning !== null) {
      writeForHuman(this.io.stderr, `rrproxy-client: warning: ${chosen.warning}\n`);
    }
    const dir = resolve(this.io.cwd, this.opts.outputDir ?? '.');
    const { fd, path } = openUniqueFile(dir, chosen.name);
    return this.fileSink(fd, path, total, mediaType);
  }

  private fileSink(fd: number, path: string, total: number | null, mediaType: string): Sink {
    const file = new FileTarget(fd, path);
    const progress = wantsProgress(this.io.stderr.isTTY === true, this.opts.silent, total)
      ? new ProgressTarget(file, this.io.stderr, total)
      : null;
    return {
      target: progress ?? file,
      finish: async () => {
        await file.done();
        progress?.finish();
        const what = mediaType === '' ? '' : ` (${mediaType})`;
        this.note(`saved ${file.bytes} bytes${what} to ${displayPath(path, this.io.cwd)}`);
        return path;
      },
      abort: () => {
        file.abort();
        try {
          unlinkSync(path);
        } catch {
          // nothing to remove
        }
      },
    };
  }
}

/** Defers the choice of sink to the first body bytes. */
class SniffingSink implements Sink, BodyTarget {
  private inner: Sink | null = null;
  constructor(private readonly choose: (first: Buffer) => Sink) {}

  get target(): BodyTarget {
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.inner === null) this.inner = this.choose(chunk);
    return this.inner.target.write(chunk);
  }

  once(event: 'drain', listener: () => void): unknown {
    return this.inner === null ? listener() : this.inner.target.once(event, listener);
  }

  finish(): Promise<string | null> {
    return this.inner === null ? Promise.resolve(null) : this.inner.finish();
  }

  abort(): void {
    this.inner?.abort();
  }
}
