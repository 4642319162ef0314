import { listHasToken, type HeaderList } from '../../src/http';
import { responseBytes, startRawServer, type RawRequest, type RawServer } from './raw-http';

/** What the echo backend saw, sent back as the JSON body of its response. */
export interface EchoReport {
  backend: string;
  method: string;
  target: string;
  versionMinor: number;
  /** Fields exactly as received: name case, order and repetition kept. */
  headers: Array<[string, string]>;
  framing: string;
  bodyBytes: number;
  bodySha256: string;
  trailers: Array<[string, string]> | null;
  /** 1-based connection number at this backend, and request number on that connection. */
  connection: number;
  requestOnConnection: number;
}

function pairs(h: HeaderList): Array<[string, string]> {
  return [...h.entries()];
}

export function reportOf(
  backend: string,
  req: RawRequest,
  connection: number,
  n: number,
): EchoReport {
  return {
    backend,
    method: req.method,
    target: req.target,
    versionMinor: req.versionMinor,
    headers: pairs(req.headers),
    framing: req.framing,
    bodyBytes: req.bodyLength,
    bodySha256: req.bodySha256,
    trailers: req.trailers === null ? null : pairs(req.trailers),
    connection,
    requestOnConnection: n,
  };
}

/**
 * A keep-alive backend that reads each request with the project's codec (bodies of any framing
 * included, trailers too) and answers 200 with a JSON report of what it received. Used where a
 * test must prove what reached the backend: body SHA-256, forwarded headers, chunked framing.
 */
export async function startEchoBackend(name = 'echo', host = '127.0.0.1'): Promise<RawServer> {
  return startRawServer(async (conn) => {
    for (;;) {
      let req: RawRequest;
      try {
        req = await conn.readRequest({ keepBody: false });
      } catch {
        conn.socket.destroy();
        return;
      }
      const report = reportOf(name, req, conn.id, conn.requests);
      const close = listHasToken(req.headers.getAll('connection'), 'close');
      const headers: Array<[string, string]> = [
        ['Content-Type', 'application/json'],
        ['X-Backend', name],
      ];
      if (close) headers.push(['Connection', 'close']);
      const res = responseBytes(200, headers, Buffer.from(JSON.stringify(report), 'utf8'));
      // A response to HEAD has the same head and no body (RFC 9110 9.3.2).
      await conn.write(req.method === 'HEAD' ? res.subarray(0, res.indexOf('\r\n\r\n') + 4) : res);
      if (close) {
        conn.socket.end();
        return;
      }
    }
  }, host);
}

/** Parses the echo backend's JSON body. */
export function parseEcho(body: Buffer): EchoReport {
  return JSON.parse(body.toString('utf8')) as EchoReport;
}

/** Values of a field in an echo report, by case-insensitive name. */
export function echoHeader(report: EchoReport, name: string): string[] {
  const lower = name.toLowerCase();
  return report.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}
