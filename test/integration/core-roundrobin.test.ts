/**
 * Round robin and keep-alive through the real proxy in front of three real nginx backends:
 * requests are spread evenly, the client connection is reused, upstream connections are reused
 * (proved by nginx's own connection serial numbers), and a dead backend is skipped.
 */
import { nginxProxyRig } from '../support/nginx-proxy';
import { closedPort } from '../support/ports';
import { startProxy } from '../support/proxy-process';
import { randomBytes } from 'node:crypto';
import { parseEcho, startEchoBackend } from '../support/echo-backend';
import { RawClient, chunkedBody, rawExchange, rawGet, requestBytes } from '../support/raw-http';
import { sha256 } from '../support/sample-files';

const rig = nginxProxyRig();

function tally(names: Array<string | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[String(n)] = (out[String(n)] ?? 0) + 1;
  return out;
}

test('30 GETs on one keep-alive client connection go 10/10/10, in rotation', async () => {
  const c = await RawClient.connect(rig.proxy.port);
  const seen: Array<string | undefined> = [];
  try {
    for (let i = 0; i < 30; i++) {
      await c.write(requestBytes('GET', `/?rr=${i}`, [['Host', 'test']]));
      const res = await c.readResponse();
      expect(res.status).toBe(200);
      const backend = res.headers.get('x-backend');
      expect(res.body.toString()).toContain(`backend ${backend}`);
      seen.push(backend);
      // The connection stays open: no Connection: close, no FIN.
      expect(res.headers.get('connection')?.toLowerCase()).not.toBe('close');
      expect(c.closed).toBe(false);
    }
  } finally {
    c.destroy();
  }
  expect(tally(seen)).toEqual({ b1: 10, b2: 10, b3: 10 });
  // Round robin, not merely balanced: every window of three consecutive picks is a permutation.
  for (let i = 0; i + 3 <= seen.length; i++) expect(new Set(seen.slice(i, i + 3)).size).toBe(3);
});

test('upstream connections are reused: nginx sees few connections serving many requests', async () => {
  const c = await RawClient.connect(rig.proxy.port);
  try {
    for (let i = 0; i < 30; i++) {
      await c.write(requestBytes('GET', `/files/1b.bin?reuse=${i}`, [['Host', 'test']]));
      expect((await c.readResponse()).status).toBe(200);
    }
  } finally {
    c.destroy();
  }
  // nginx writes its access line after the response: give the last one a moment (bounded).
  let mine = rig.ngx.accessLog().filter((e) => e.uri.includes('reuse='));
  for (let i = 0; i < 50 && mine.length < 30; i++) {
    await new Promise((r) => setTimeout(r, 20));
    mine = rig.ngx.accessLog().filter((e) => e.uri.includes('reuse='));
  }
  expect(mine).toHaveLength(30);
  for (const port of rig.ngx.ports) {
    const atBackend = mine.filter((e) => e.port === port);
    expect(atBackend).toHaveLength(10);
    const connections = new Set(atBackend.map((e) => e.connection));
    // Sequential requests: one pooled connection per backend is enough; allow one spare.
    expect(connections.size).toBeLessThanOrEqual(2);
    expect(Math.max(...atBackend.map((e) => e.connectionRequests))).toBeGreaterThan(1);
  }
});

test('concurrent clients are spread evenly too', async () => {
  const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(rig.proxy.port)));
  const seen: Array<string | undefined> = [];
  try {
    await Promise.all(
      clients.map(async (c, k) => {
        for (let i = 0; i < 10; i++) {
          await c.write(requestBytes('GET', `/?conc=${k}-${i}`, [['Host', 'test']]));
          const res = await c.readResponse();
          expect(res.status).toBe(200);
          seen.push(res.headers.get('x-backend'));
        }
      }),
    );
  } finally {
    for (const c of clients) c.destroy();
  }
  expect(tally(seen)).toEqual({ b1: 10, b2: 10, b3: 10 });
});

test('50 concurrent clients x 4 requests of 1 MiB: every body intact, spread evenly', async () => {
  const oneMiB = rig.ngx.files.find((f) => f.name === '1m.bin')!;
  const seen: Array<string | undefined> = [];
  await Promise.all(
    Array.from({ length: 50 }, async (_, k) => {
      const c = await RawClient.connect(rig.proxy.port);
      try {
        for (let i = 0; i < 4; i++) {
          await c.write(requestBytes('GET', `/files/1m.bin?load=${k}-${i}`, [['Host', 'test']]));
          const res = await c.readResponse({ timeoutMs: 30_000, keepBody: false });
          expect(res.status).toBe(200);
          expect(res.bodySha256).toBe(oneMiB.sha256);
          seen.push(res.headers.get('x-backend'));
        }
      } finally {
        c.destroy();
      }
    }),
  );
  const counts = Object.values(tally(seen)).sort();
  expect(counts).toEqual([66, 67, 67]);
});

test('one access line per request with the documented fields', async () => {
  const res = await rawGet(rig.proxy.port, '/files/1k.bin?log=1', [
    ['Host', 'test'],
    ['X-Request-Id', 'rr-log-check-1'],
  ]);
  expect(res.status).toBe(200);
  const line = await rig.proxy.waitForAccessLog((l) => l['reqId'] === 'rr-log-check-1');
  expect(line).toMatchObject({ method: 'GET', status: 200 });
  expect(String(line['path'])).toContain('/files/1k.bin');
  expect(rig.ngx.addresses).toContain(String(line['upstream']));
  for (const field of ['client', 'bytesIn', 'bytesOut', 'durationMs', 'upstreamMs', 'outcome']) {
    expect(line).toHaveProperty(field);
  }
  expect(Number(line['bytesOut'])).toBeGreaterThanOrEqual(1024);
});

describe('dead backends', () => {
  test('a backend refusing connections is skipped: every request still succeeds', async () => {
    const down = await closedPort();
    const p = await startProxy({
      backends: [`127.0.0.1:${down}`, rig.ngx.addresses[0]!, rig.ngx.addresses[1]!],
    });
    try {
      for (let i = 0; i < 9; i++) {
        const res = await rawGet(p.port, `/?skip=${i}`);
        expect(res.status).toBe(200);
        expect(['b1', 'b2']).toContain(res.headers.get('x-backend'));
      }
    } finally {
      await p.stop();
    }
  });

  test('requests with bodies (POST, chunked POST, PUT) also skip a refusing backend', async () => {
    const down = await closedPort();
    const echo = await startEchoBackend('echo');
    const p = await startProxy({ backends: [`127.0.0.1:${down}`, echo.address] });
    try {
      const body = randomBytes(5_000);
      for (let i = 0; i < 4; i++) {
        for (const [method, headers, payload] of [
          ['POST', [['Content-Length', String(body.length)]], body],
          ['POST', [['Transfer-Encoding', 'chunked']], chunkedBody(body, 1_000)],
          ['PUT', [['Content-Length', String(body.length)]], body],
        ] as Array<[string, Array<[string, string]>, Buffer]>) {
          const [res] = await rawExchange(
            p.port,
            requestBytes(method, `/body-skip-${i}`, [['Host', 'test'], ...headers], payload),
            [method],
          );
          // Nothing of the request reached the refusing backend: it must go to the next one.
          expect(`${method} ${res!.status}`).toBe(`${method} 200`);
          expect(parseEcho(res!.body).bodySha256).toBe(sha256(body));
        }
      }
    } finally {
      await p.stop();
      await echo.stop();
    }
  });

  test('a backend given by hostname is resolved at start and used', async () => {
    const echo = await startEchoBackend('by-name');
    const p = await startProxy({ backends: [`localhost:${echo.port}`] });
    try {
      const res = await rawGet(p.port, '/by-name');
      expect(res.status).toBe(200);
      expect(parseEcho(res.body).backend).toBe('by-name');
    } finally {
      await p.stop();
      await echo.stop();
    }
  });

  test('all backends down -> 502, and the proxy keeps answering', async () => {
    const downs = [await closedPort(), await closedPort()];
    const p = await startProxy({ backends: downs.map((d) => `127.0.0.1:${d}`) });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await rawGet(p.port, `/?down=${i}`);
        expect(res.status).toBe(502);
      }
      const line = await p.waitForAccessLog((l) => l['status'] === 502);
      expect(line['outcome']).toBeDefined();
    } finally {
      await p.stop();
    }
  });
});
