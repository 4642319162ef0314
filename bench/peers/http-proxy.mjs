// Peer: node-http-proxy (npm "http-proxy") behind a node:http server, with a round-robin pick.
// Env: PORT, BACKENDS="127.0.0.1:p1,127.0.0.1:p2,...". Started by bench/run.mjs, never by hand.
import http from 'node:http';
import httpProxy from 'http-proxy';

const targets = process.env.BACKENDS.split(',').map((hp) => 'http://' + hp);
// Without an agent http-proxy sends "Connection: close" upstream: a keep-alive agent is what a
// production setup uses, and what makes the comparison fair.
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 1024 });
const proxy = httpProxy.createProxyServer({ agent });
proxy.on('error', (_err, _req, res) => {
  if (!res.headersSent) res.writeHead(502);
  res.end();
});

let next = 0;
http
  .createServer((req, res) => {
    proxy.web(req, res, { target: targets[next++ % targets.length] });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
