/**
 * Bodies in both directions through the real proxy, checked by SHA-256: GET and HEAD of files
 * served by nginx, PUT through nginx's WebDAV module and fetched back, POST to a raw backend that
 * hashes what it received. 0 B, 1 B, 1 MiB and 10 MiB, plus binary PNG/PDF.
 */
import { randomBytes } from 'node:crypto';
import { parseEcho } from '../support/echo-backend';
import { nginxAndEchoProxyRig } from '../support/nginx-proxy';
import { RawClient, chunkedBody, requestBytes } from '../support/raw-http';
import { sha256 } from '../support/sample-files';

const rig = nginxAndEchoProxyRig();

const SIZES: Array<[string, number]> = [
  ['0 B', 0],
  ['1 B', 1],
  ['1 MiB', 1024 * 1024],
  ['10 MiB', 10 * 1024 * 1024],
];

const H = (extra: Array<[string, string]> = []): Array<[string, string]> => [
  ['Host', 'test'],
  ...extra,
];

test('GET of every sample file arrives byte for byte, over one keep-alive connection', async () => {
  const c = await RawClient.connect(rig.ngxProxy.port);
  try {
    for (const f of rig.ngx.files) {
      await c.write(requestBytes('GET', `/files/${f.name}`, H()));
      const res = await c.readResponse({ timeoutMs: 20_000 });
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(f.size);
      expect(res.bodySha256).toBe(f.sha256);
    }
  } finally {
    c.destroy();
  }
});

test('binary types keep their Content-Type', async () => {
  const c = await RawClient.connect(rig.ngxProxy.port);
  try {
    await c.write(requestBytes('GET', '/files/image.png', H()));
    const png = await c.readResponse();
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.body.subarray(1, 4).toString()).toBe('PNG');
    await c.write(requestBytes('GET', '/files/doc.pdf', H()));
    const pdf = await c.readResponse();
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
  } finally {
    c.destroy();
  }
});

test('HEAD has the GET headers and no body; the connection stays in sync', async () => {
  const c = await RawClient.connect(rig.ngxProxy.port);
  try {
    for (const f of rig.ngx.files) {
      await c.write(requestBytes('HEAD', `/files/${f.name}`, H()));
      const res = await c.readResponse({ method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(0);
      expect(res.headers.get('content-length')).toBe(String(f.size));
    }
    // Had any body byte followed a HEAD response, this response would not parse.
    const small = rig.ngx.files.find((f) => f.name === '1k.bin')!;
    await c.write(requestBytes('GET', '/files/1k.bin', H()));
    const res = await c.readResponse();
    expect(res.bodySha256).toBe(small.sha256);
  } finally {
    c.destroy();
  }
});

describe.each(SIZES)('request body of %s', (_label, size) => {
  const data = randomBytes(size);
  const digest = sha256(data);

  test('PUT (Content-Length) to nginx WebDAV, GET back', async () => {
    const c = await RawClient.connect(rig.ngxProxy.port);
    try {
      const path = `/dav/put-${size}.bin`;
      await c.write(requestBytes('PUT', path, H([['Content-Length', String(size)]]), data));
      const put = await c.readResponse({ timeoutMs: 20_000 });
      expect([201, 204]).toContain(put.status);
      await c.write(requestBytes('GET', path, H()));
      const get = await c.readResponse({ timeoutMs: 20_000 });
      expect(get.status).toBe(200);
      expect(get.body.length).toBe(size);
      expect(get.bodySha256).toBe(digest);
    } finally {
      c.destroy();
    }
  });

  test('PUT (chunked) to nginx WebDAV, GET back', async () => {
    const c = await RawClient.connect(rig.ngxProxy.port);
    try {
      const path = `/dav/put-chunked-${size}.bin`;
      await c.write(
        requestBytes(
          'PUT',
          path,
          H([['Transfer-Encoding', 'chunked']]),
          chunkedBody(data, 100_000),
        ),
      );
      const put = await c.readResponse({ timeoutMs: 20_000 });
      expect([201, 204]).toContain(put.status);
      await c.write(requestBytes('GET', path, H()));
      const get = await c.readResponse({ timeoutMs: 20_000 });
      expect(get.bodySha256).toBe(digest);
    } finally {
      c.destroy();
    }
  });

  test('POST to a hashing backend: it receives exactly the bytes sent', async () => {
    const c = await RawClient.connect(rig.echoProxy.port);
    try {
      await c.write(
        requestBytes(
          'POST',
          '/hash',
          H([
            ['Content-Type', 'application/octet-stream'],
            ['Content-Length', String(size)],
          ]),
          data,
        ),
      );
      const res = await c.readResponse({ timeoutMs: 20_000 });
      expect(res.status).toBe(200);
      const report = parseEcho(res.body);
      expect(report.method).toBe('POST');
      expect(report.bodyBytes).toBe(size);
      expect(report.bodySha256).toBe(digest);
    } finally {
      c.destroy();
    }
  });
});
