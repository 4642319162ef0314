// Peer: a node:http server with one undici.Pool per backend, round robin, the response streamed
// into the client response (pool.stream): about the least a Node proxy on undici can do.
// Env: PORT, BACKENDS="127.0.0.1:p1,127.0.0.1:p2,...". Started by bench/run.mjs, never by hand.
import http from 'node:http';
import undici from 'undici';

const { Pool } = undici;

const pools = process.env.BACKENDS.split(',').map((hp) => new Pool('http://' + hp));
// Hop-by-hop fields (RFC 9110 7.6.1) are not forwarded; undici rejects some of them anyway.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);
function endToEnd(headers) {
  const out = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name];
  return out;
}

let next = 0;
http
  .createServer((req, res) => {
    const pool = pools[next++ % pools.length];
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool.stream(
      {
        path: req.url,
        method: req.method,
        headers: endToEnd(req.headers),
        body: hasBody ? req : null,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, endToEnd(headers));
        return res;
      },
      (err) => {
        if (!err) return;
        if (!res.headersSent) {
          res.writeHead(502);
          res.end();
        } else res.destroy(err);
      },
    );
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
