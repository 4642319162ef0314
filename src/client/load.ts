import { resolve } from 'node:path';
import type { LoadOptions } from './args';
import { bodyLength, loadRequestBody } from './body-source';
import {
  ClientConnection,
  StaleConnectionError,
  type BodyTarget,
  type RequestBody,
} from './connection';
import { CLIENT_EXIT_CODES, ClientError } from './errors';
import { buildLoadReport, type LoadRecord, type LoadReport } from './load-report';
import { RequestLog, roundMs } from './request-log';
import { buildRequestHead, withFormContentType } from './request';
import type { ClientIo } from './single';
import { parseProxyAddress, parseUrl } from './url';
import { USER_AGENT } from './version';

/** Bodies are collected for --body-pattern up to this size; the pattern is meant for short pages. */
const MAX_COLLECTED_BODY = 1024 * 1024;

/** Gathers a response body for the backend pattern (bounded). */
class BodyCollector implements BodyTarget {
  private readonly parts: Buffer[] = [];
  private size = 0;
  write(chunk: Buffer): boolean {
    if (this.size < MAX_COLLECTED_BODY) {
      const take = chunk.subarray(0, MAX_COLLECTED_BODY - this.size);
      this.parts.push(Buffer.from(take));
      this.size += take.length;
    }
    return true;
  }
  once(_event: 'drain', listener: () => void): unknown {
    return listener();
  }
  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

/**
 * Load mode: N requests over C keep-alive connections, each connection sending its next request
 * as soon as the previous response is complete (HTTP/1.1 persistence, no pipelining). Every loop
 * is bounded by the request count and, with --duration-limit, by time.
 */
export async function runLoad(
  opts: LoadOptions,
  io: ClientIo,
): Promise<{ report: LoadReport; exitCode: number }> {
  const url = parseUrl(opts.url);
  const proxy = opts.proxy === null ? null : parseProxyAddress(opts.proxy);
  const host = proxy?.host ?? url.host;
  const port = proxy?.port ?? url.port;
  const connectTo = proxy?.label ?? url.hostHeader;
  const body: RequestBody | null =
    opts.data === null ? null : await loadRequestBody(opts.data, io.stdin);
  const headers = withFormContentType(opts.headers, opts.formData, body !== null);
  const head = buildRequestHead({
    method: opts.method,
    url,
    headers,
    bodyLength: bodyLength(body),
    userAgent: USER_AGENT,
    keepAlive: true,
  });
  const backendHeader = opts.backendHeader.toLowerCase();
  const pattern = opts.bodyPattern;
  const log = opts.logFile === null ? null : new RequestLog(resolve(io.cwd, opts.logFile));

  const records: LoadRecord[] = [];
  const started = performance.now();
  const deadline = opts.durationLimitMs === null ? Infinity : started + opts.durationLimitMs;
  let issued = 0;

  const once = async (
    conn: ClientConnection | null,
  ): Promise<{ record: LoadRecord; conn: ClientConnection | null; message: string | null }> => {
    // One retry when a kept-alive connection turns out closed by the server (RFC 9112 9.3.1):
    // nothing was received, so the request is safe to send again on a fresh connection.
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      try {
        if (conn === null || conn.isClosed)
          conn = await ClientConnection.connect(host, port, opts.timeoutMs);
        const collector = pattern === null ? null : new BodyCollector();
        const result = await conn.exchange(head, body, opts.method, true, () => collector);
        if (!result.reusable) {
          conn.destroy();
          conn = null;
        }
        let backend: string | null = null;
        if (collector !== null && pattern !== null) {
          const m = pattern.exec(collector.text());
          backend = m === null ? null : (m[1] ?? m[0]);
        } else {
          backend = result.head.headers.get(backendHeader) ?? null;
        }
        return {
          record: { latencyMs: result.totalMs, status: result.head.status, backend, error: null },
          conn,
          message: null,
        };
      } catch (err) {
        conn?.destroy();
        conn = null;
        if (err instanceof StaleConnectionError && attempt === 0) continue;
        const code = err instanceof ClientError ? err.code : 'RRC_ERR_FAILURE';
        const message = err instanceof Error ? err.message : String(err);
        return {
          record: { latencyMs: performance.now() - t0, status: null, backend: null, error: code },
          conn: null,
          message,
        };
      }
    }
  };

  const worker = async (): Promise<void> => {
    let conn: ClientConnection | null = null;
    try {
      while (issued < opts.requests && performance.now() < deadline) {
        issued++;
        const time = new Date().toISOString();
        const out = await once(conn);
        conn = out.conn;
        records.push(out.record);
        log?.append({
          time,
          method: opts.method,
          url: url.href,
          connectTo,
          status: out.record.status,
          durationMs: roundMs(out.record.latencyMs),
          backend: out.record.backend,
          ...(out.record.error === null
            ? {}
            : { error: { code: out.record.error, message: out.message ?? out.record.error } }),
        });
      }
    } finally {
      conn?.destroy();
    }
  };

  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(opts.concurrency, opts.requests); i++) workers.push(worker());
  await Promise.all(workers);
  const elapsedMs = performance.now() - started;
  if (log !== null) await log.close();

  const report = buildLoadReport({
    records,
    url: url.href,
    connectTo: proxy === null ? '' : connectTo,
    requested: opts.requests,
    concurrency: opts.concurrency,
    elapsedMs,
    backendSource: pattern === null ? `header ${opts.backendHeader}` : `body /${pattern.source}/`,
    thresholds: opts.thresholds,
  });
  return { report, exitCode: report.verdict.pass ? 0 : CLIENT_EXIT_CODES.RRC_ERR_THRESHOLD };
}
