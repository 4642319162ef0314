import http from 'node:http';
import net from 'node:net';
import { makeBackend } from '../../src/balancer/backend';
import { httpProbe } from '../../src/balancer/health/http-probe';
import { pollUntil } from '../support/cleanup';
import { closedPort } from '../support/ports';

let server: http.Server;
let stall: net.Server;
const stallSockets: net.Socket[] = [];
const seen: { path: string; host: string | undefined; ua: string | undefined }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', host: req.headers.host, ua: req.headers['user-agent'] });
    const status = Number((req.url ?? '').split('/')[1]) || 200;
    res.writeHead(status).end('x');
  });
  stall = net.createServer((s) => {
    // Accepts and reads, never answers; counts its open sockets.
    stallSockets.push(s);
    s.resume();
    s.on('close', () => stallSockets.splice(stallSockets.indexOf(s), 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  for (const s of [...stallSockets]) s.destroy();
  await new Promise<void>((r) => stall.close(() => r()));
});

const at = (s: net.Server | http.Server) =>
  makeBackend({ host: '127.0.0.1', port: (s.address() as net.AddressInfo).port });

test('2xx and 3xx are healthy, 4xx and 5xx are not; the path and Host are sent', async () => {
  expect(await httpProbe(at(server), '/204', 1_000)).toMatchObject({ ok: true, status: 204 });
  expect(await httpProbe(at(server), '/301', 1_000)).toMatchObject({ ok: true, status: 301 });
  expect(await httpProbe(at(server), '/404', 1_000)).toMatchObject({ ok: false, status: 404 });
  expect(await httpProbe(at(server), '/503', 1_000)).toMatchObject({ ok: false, status: 503 });
  const port = (server.address() as net.AddressInfo).port;
  expect(seen[0]).toEqual({
    path: '/204',
    host: `127.0.0.1:${port}`,
    ua: 'rrproxy-health-check',
  });
});

test('a refused connection and a silent backend are failures, never exceptions', async () => {
  const refused = makeBackend({ host: '127.0.0.1', port: await closedPort() });
  expect(await httpProbe(refused, '/', 1_000)).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
  expect(await httpProbe(at(stall), '/', 150)).toMatchObject({ ok: false, error: 'timeout' });
  // The timed-out check closed its connection: checks never pile up sockets on a stalled backend.
  await pollUntil('the probe socket to close', () => stallSockets.length === 0, 2_000);
});
