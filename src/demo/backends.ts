import * as http from 'node:http';

/**
 * The demo's embedded backends: three tiny servers whose page names the replica that answered,
 * sent with Cache-Control: no-store so round robin stays visible with the cache on.
 */
export function startDemoBackend(name: string, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const body =
      `<!doctype html>\n<html><head><title>${name}</title></head>\n` +
      `<body><h1>Hello from ${name}</h1><p>${req.method} ${escapeHtml(req.url ?? '/')}</p></body></html>\n`;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-backend': name,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
