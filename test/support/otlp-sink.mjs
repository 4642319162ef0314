#!/usr/bin/env node
/**
 * A standalone OTLP/HTTP trace sink for benchmarks: accepts `POST /v1/traces` (JSON, as
 * @opentelemetry/exporter-trace-otlp-http sends it; gzip too), answers 200 `{}` at once, and
 * counts exports, bytes and spans. It does not check what it receives: the test receiver
 * (otlp-receiver.ts) does that; this one has to stay cheap next to the proxy under load.
 *
 *   node test/support/otlp-sink.mjs [--host 127.0.0.1] [--port 0] [--no-decode]
 *
 * Prints one JSON line when listening: {"endpoint":"http://127.0.0.1:PORT"} (the value for
 * OTEL_EXPORTER_OTLP_ENDPOINT). GET /stats answers {"exports":..,"spans":..,"bytes":..}; SIGTERM
 * or SIGINT prints the same line and exits 0. With --no-decode spans are not counted (-1).
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const host = opt('--host', '127.0.0.1');
const port = Number(opt('--port', '0'));
const decode = !args.includes('--no-decode');

const stats = { exports: 0, spans: decode ? 0 : -1, bytes: 0, failedDecodes: 0 };

function countSpans(body) {
  let n = 0;
  const json = JSON.parse(body.toString('utf8'));
  for (const rs of json.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? []) n += (ss.spans ?? []).length;
  return n;
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    stats.exports++;
    stats.bytes += body.length;
    if (decode) {
      try {
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        stats.spans += countSpans(body);
      } catch {
        stats.failedDecodes++;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
});

server.keepAliveTimeout = 30_000;
server.listen(port, host, () => {
  const a = server.address();
  const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  process.stdout.write(JSON.stringify({ endpoint: `http://${h}:${a.port}` }) + '\n');
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    process.stdout.write(JSON.stringify(stats) + '\n');
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
