import http from 'node:http';
import type { Backend } from '../backend';
import { backendId } from '../backend';
import type { CheckResult } from './backend-health';

/** One active check: resolves (never rejects) with the verdict. */
export type Probe = (b: Backend, path: string, timeoutMs: number) => Promise<CheckResult>;

/**
 * GET `path` with node:http. Health checks are off the data path (a few requests per backend per
 * interval), so the standard client is used here rather than our codec: its parsing is
 * battle-tested, and a check needs nothing but the status. A fresh connection per check
 * (agent: false, Connection: close) tests what a new request would meet: accept, parse, answer.
 * 2xx and 3xx are healthy, as in nginx and HAProxy.
 */
export const httpProbe: Probe = (b, path, timeoutMs) =>
  new Promise<CheckResult>((resolve) => {
    let done = false;
    const finish = (r: Omit<CheckResult, 'at'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ at: Date.now(), ...r });
    };
    const req = http.request({
      host: b.host,
      port: b.port,
      path,
      method: 'GET',
      agent: false,
      headers: {
        host: backendId(b.host, b.port),
        'user-agent': 'rrproxy-health-check',
        connection: 'close',
      },
    });
    // One deadline for connect, head and body alike.
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      finish({ ok: status >= 200 && status < 400, status });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, error: err.code ?? err.message }),
    );
    req.end();
  });
