import http from 'node:http';
import https from 'node:https';
import { pollUntil } from '../support/cleanup';
import { FakeApiServer, endpointSlice, selfSignedCert } from '../support/fake-apiserver';

/**
 * The fake API server's own wire behaviour, checked with a plain HTTPS client, so the Job and
 * chart tests can rely on it as well as the discovery tests.
 */

const SLICES = '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices';
const SEL = 'labelSelector=kubernetes.io%2Fservice-name%3Dweb';

let fake: FakeApiServer;

beforeEach(async () => {
  fake = await FakeApiServer.start();
});

afterEach(async () => {
  await fake.close();
});

function request(path: string, token = fake.token): Promise<http.IncomingMessage> {
  const cert = selfSignedCert();
  const mod = fake.tls ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(`${fake.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      ...(fake.tls && cert ? { ca: cert.cert } : {}),
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

async function getJson(
  path: string,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(path, token);
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return {
    status: res.statusCode ?? 0,
    body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
  };
}

/** Opens a watch and collects its JSON lines. */
async function openWatch(query: string): Promise<{
  events: Array<{ type: string; object: Record<string, unknown> }>;
  ended: () => boolean;
  close: () => void;
}> {
  const res = await request(`${SLICES}?${query}`);
  expect(res.statusCode).toBe(200);
  const events: Array<{ type: string; object: Record<string, unknown> }> = [];
  let buf = '';
  let done = false;
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, i)) as { type: string; object: Record<string, unknown> });
      buf = buf.slice(i + 1);
    }
  });
  res.on('end', () => (done = true));
  res.on('close', () => (done = true));
  return { events, ended: () => done, close: () => res.destroy() };
}

function web(name: string, ip: string) {
  return endpointSlice({ name, service: 'web', namespace: 'shop', endpoints: [{ ip }] });
}

test('serves TLS with a certificate the written kubeconfig trusts (openssl is present here)', () => {
  expect(fake.tls).toBe(true);
  expect(fake.kubeconfig('shop')).toContain('certificate-authority-data: ');
  expect(fake.kubeconfig('shop')).toContain(`server: https://127.0.0.1:${fake.port}`);
});

test('LIST filters by label selector and namespace and carries metadata.resourceVersion', async () => {
  fake.apply('endpointslices', web('web-a', '10.0.0.1'));
  fake.apply(
    'endpointslices',
    endpointSlice({ name: 'api-a', service: 'api', namespace: 'shop', endpoints: [] }),
  );
  fake.apply(
    'endpointslices',
    endpointSlice({ name: 'web-x', service: 'web', namespace: 'other', endpoints: [] }),
  );
  const { status, body } = await getJson(`${SLICES}?${SEL}`);
  expect(status).toBe(200);
  expect(body.kind).toBe('EndpointSliceList');
  expect(body.metadata).toEqual({ resourceVersion: fake.resourceVersion });
  const items = body.items as Array<{ metadata: { name: string; resourceVersion: string } }>;
  expect(items.map((i) => i.metadata.name)).toEqual(['web-a']);
  expect(Number(items[0]?.metadata.resourceVersion)).toBeLessThan(Number(fake.resourceVersion));
  fake.assertNoProblems();
});

test('watch from a resourceVersion replays later events, then streams ADDED/MODIFIED/DELETED', async () => {
  fake.apply('endpointslices', web('web-a', '10.0.0.1'));
  const rv = fake.resourceVersion;
  fake.apply('endpointslices', web('web-b', '10.0.0.2'));
  const w = await openWatch(`watch=true&resourceVersion=${rv}&${SEL}`);
  await pollUntil('replay', () => w.events.length === 1);
  expect(w.events[0]?.type).toBe('ADDED');
  fake.apply('endpointslices', web('web-b', '10.0.0.3'));
  fake.remove('endpointslices', 'web-a', 'shop');
  const deletedAt = fake.resourceVersion;
  fake.apply(
    'endpointslices',
    endpointSlice({ name: 'api-a', service: 'api', namespace: 'shop', endpoints: [] }),
  );
  await pollUntil('live events', () => w.events.length === 3);
  expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  const meta = w.events[2]?.object.metadata as { resourceVersion: string };
  expect(meta.resourceVersion).toBe(deletedAt);
  w.close();
  fake.assertNoProblems();
});

test('an object relabelled into or out of the selector is ADDED or DELETED for that watcher', async () => {
  const other = endpointSlice({ name: 'moving', service: 'api', namespace: 'shop', endpoints: [] });
  fake.apply('endpointslices', other);
  const w = await openWatch(`watch=true&resourceVersion=${fake.resourceVersion}&${SEL}`);
  await pollUntil('watch open', () => fake.activeWatches === 1);
  fake.apply(
    'endpointslices',
    endpointSlice({ name: 'moving', service: 'web', namespace: 'shop', endpoints: [] }),
  );
  fake.apply('endpointslices', other);
  await pollUntil('two events', () => w.events.length === 2);
  expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  w.close();
});

test('watch without resourceVersion starts with the current state', async () => {
  fake.apply('endpointslices', web('web-a', '10.0.0.1'));
  fake.apply('endpointslices', web('web-b', '10.0.0.2'));
  const w = await openWatch(`watch=1&${SEL}`);
  await pollUntil('synthetic ADDED', () => w.events.length === 2);
  expect(w.events.every((e) => e.type === 'ADDED')).toBe(true);
  w.close();
});

test('BOOKMARK only to watches that asked; timeoutSeconds ends the stream', async () => {
  const plain = await openWatch(`watch=true&resourceVersion=${fake.resourceVersion}&${SEL}`);
  const marked = await openWatch(
    `watch=true&resourceVersion=${fake.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=1&${SEL}`,
  );
  await pollUntil('both watches open', () => fake.activeWatches === 2);
  expect(fake.bookmark()).toBe(1);
  await pollUntil('bookmark', () => marked.events.length === 1);
  expect(marked.events[0]).toEqual({
    type: 'BOOKMARK',
    object: {
      kind: 'EndpointSlice',
      apiVersion: 'discovery.k8s.io/v1',
      metadata: { resourceVersion: fake.resourceVersion },
    },
  });
  await pollUntil('timeoutSeconds', () => marked.ended(), 5_000);
  expect(plain.events).toHaveLength(0);
  expect(plain.ended()).toBe(false);
  plain.close();
  fake.assertNoProblems();
});

test('compaction: an old resourceVersion gets an ERROR event with a 410 Status', async () => {
  fake.apply('endpointslices', web('web-a', '10.0.0.1'));
  const old = fake.resourceVersion;
  fake.apply('endpointslices', web('web-a', '10.0.0.2'));
  const live = await openWatch(`watch=true&resourceVersion=${fake.resourceVersion}&${SEL}`);
  await pollUntil('watch open', () => fake.activeWatches === 1);
  expect(fake.expireWatches()).toBe(1);
  await pollUntil('live watch expired', () => live.ended() && live.events.length === 1);
  expect(live.events[0]?.type).toBe('ERROR');
  expect(live.events[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });

  const late = await openWatch(`watch=true&resourceVersion=${old}&${SEL}`);
  await pollUntil('late watch expired', () => late.ended() && late.events.length === 1);
  expect(late.events[0]?.object).toMatchObject({ code: 410 });
  expect((await getJson(`${SLICES}?resourceVersion=${old}&${SEL}`)).status).toBe(410);
});

test('injected faults: 403 with the RBAC message, 500 once, persistent failure', async () => {
  fake.setForbidden('endpointslices');
  const forbidden = await getJson(`${SLICES}?${SEL}`);
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.message).toBe(
    'endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:default:rrproxy" cannot list resource "endpointslices" in API group "discovery.k8s.io" in the namespace "shop"',
  );
  fake.setForbidden('endpointslices', false);
  fake.failNext({ status: 500, verb: 'list' });
  expect((await getJson(`${SLICES}?${SEL}`)).status).toBe(500);
  expect((await getJson(`${SLICES}?${SEL}`)).status).toBe(200);
  fake.setFailing(503);
  expect((await getJson(`${SLICES}?${SEL}`)).status).toBe(503);
  fake.setFailing(undefined);
  fake.assertNoProblems();
});

test('strict: unexpected parameters, paths and credentials are answered and recorded as problems', async () => {
  expect((await getJson(`${SLICES}?limit=500&${SEL}`)).status).toBe(400);
  expect((await getJson(`${SLICES}?${SEL}`, 'wrong')).status).toBe(401);
  expect((await getJson('/api/v1/namespaces/shop/pods')).status).toBe(404);
  expect((await getJson(`${SLICES}?labelSelector=app%20in%20(a,b)`)).status).toBe(400);
  expect(fake.problems).toHaveLength(4);
  expect(() => fake.assertNoProblems()).toThrow(/unexpected query parameter "limit"/);
  expect(fake.requests.map((r) => r.verb)).toEqual(['list', 'list', 'unexpected', 'list']);
  fake.problems.length = 0;
});

test('goes away (connections refused, watches cut) and comes back on the same port', async () => {
  const w = await openWatch(`watch=true&resourceVersion=${fake.resourceVersion}&${SEL}`);
  await pollUntil('watch open', () => fake.activeWatches === 1);
  const port = fake.port;
  await fake.goAway();
  await pollUntil('watch cut', () => w.ended());
  await expect(getJson(`${SLICES}?${SEL}`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  fake.apply('endpointslices', web('web-a', '10.0.0.1'));
  await fake.comeBack();
  expect(fake.port).toBe(port);
  const { body } = await getJson(`${SLICES}?${SEL}`);
  expect((body.items as unknown[]).length).toBe(1);
});

test('dropWatches cuts the connection mid-stream; stallWatches keeps it open and silent', async () => {
  const a = await openWatch(`watch=true&resourceVersion=${fake.resourceVersion}&${SEL}`);
  await pollUntil('watch open', () => fake.activeWatches === 1);
  expect(fake.dropWatches()).toBe(1);
  await pollUntil('dropped', () => a.ended());

  const b = await openWatch(`watch=true&resourceVersion=${fake.resourceVersion}&${SEL}`);
  await pollUntil('watch open', () => fake.activeWatches === 1);
  expect(fake.stallWatches()).toBe(1);
  fake.apply('endpointslices', web('web-a', '10.0.0.1'));
  await new Promise((r) => setTimeout(r, 100));
  expect(b.events).toHaveLength(0);
  expect(b.ended()).toBe(false);
  b.close();
});
