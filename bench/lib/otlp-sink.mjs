// A stand-in OTLP/HTTP collector for the tracing scenario: accepts every POST (any path, JSON or
// protobuf), reads and drops the body, answers 200 with an empty response message (a valid OTLP "success"
// for protobuf; "{}" for JSON). GET /stats answers {"posts":N,"bytes":M} so the bench can prove spans
// were exported. Run by bench/run.mjs on the load cpu: `PORT=... node otlp-sink.mjs`.
import http from 'node:http';

let posts = 0;
let bytes = 0;
http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ posts, bytes }));
      return;
    }
    req.on('data', (d) => (bytes += d.length));
    req.on('end', () => {
      posts++;
      res.statusCode = 200;
      const json = String(req.headers['content-type'] || '').includes('json');
      res.setHeader('content-type', json ? 'application/json' : 'application/x-protobuf');
      res.end(json ? '{}' : '');
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
