import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { trackChild, waitForExit } from '../support/cleanup';

/** The benchmark's OTLP sink (test/support/otlp-sink.mjs) counts what an exporter sends. */

const SINK = path.resolve(__dirname, '../support/otlp-sink.mjs');

function post(url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function getJson(url: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(JSON.parse(text) as Record<string, number>));
      })
      .on('error', reject);
  });
}

const span = (i: number) => ({
  traceId: 'a'.repeat(32),
  spanId: `${i}`.padStart(16, '0'),
  name: 'GET',
});
const payload = (n: number) =>
  Buffer.from(
    JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => span(i)) }] }],
    }),
  );

test('counts exports and spans, plain and gzip; prints the totals on SIGTERM', async () => {
  const child = spawn(process.execPath, [SINK, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackChild(child);
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  const exited = waitForExit(child);
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no endpoint line: ${out}`)), 10_000);
    child.stdout!.on('data', () => {
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      resolve((JSON.parse(out.slice(0, nl)) as { endpoint: string }).endpoint);
    });
  });
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const json = { 'content-type': 'application/json' };
  expect(await post(`${endpoint}/v1/traces`, payload(3), json)).toBe(200);
  expect(
    await post(`${endpoint}/v1/traces`, gzipSync(payload(2)), {
      ...json,
      'content-encoding': 'gzip',
    }),
  ).toBe(200);
  expect(await getJson(`${endpoint}/stats`)).toMatchObject({ exports: 2, spans: 5 });
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const last = out.trim().split('\n').pop()!;
  expect(JSON.parse(last)).toMatchObject({ exports: 2, spans: 5, failedDecodes: 0 });
});
