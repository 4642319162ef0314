import net from 'node:net';
import { checkForwardedRequest } from './wellformed';
import {
  decodeChunked,
  fieldValues,
  hasToken,
  lenientFraming,
  parseHead,
  type Field,
} from './lenient';

/** A scripted backend answer: raw writes, then the connection stays open or is closed. */
export interface ResponseScript {
  writes: string[];
  /** Close (FIN) after the last write. */
  close?: boolean;
  /** Milliseconds between writes. Default 0 (one write each, same tick). */
  gapMs?: number;
  /**
   * Answer as soon as the head is read and never read the body: whatever follows the head is
   * parsed as the next request. A broken server on purpose: a proxy that keeps streaming a body
   * after the final response arrived turns that body into requests here.
   */
  answerBeforeBody?: boolean;
}

/** One request as the backend parsed it (leniently). */
export interface SeenRequest {
  /** Backend connection serial (1-based) and the request's index on it. */
  conn: number;
  index: number;
  line: string;
  method: string;
  target: string;
  version: string;
  fields: Field[];
  framing: string;
  body: Buffer;
  trailers: Field[];
  chunkLines: string[];
  /** Why the bytes are not a well-formed RFC 9112 request as sent, or null. */
  malformed: string | null;
  at: number;
}

/** Bytes the backend could not parse even leniently, per connection. */
export interface BackendParseError {
  conn: number;
  error: string;
  /** The unparsed bytes (latin1), capped. */
  rest: string;
  at: number;
}

export interface RecordingBackend {
  port: number;
  address: string;
  requests: SeenRequest[];
  errors: BackendParseError[];
  /** Every byte received, per connection. */
  rawByConnection(): Map<number, Buffer>;
  connections(): number;
  stop(): Promise<void>;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n';

/**
 * A raw node:net backend that records every byte it receives per connection, parses requests
 * leniently (as a real server would, so a smuggled request shows up as a request), and answers
 * each with a fixed valid 200, or with `scripts[name]` for a request to /script/<name>.
 * `Expect: 100-continue` gets a 100 before the body is read, as most servers do.
 */
export async function startRecordingBackend(
  scripts: Readonly<Record<string, ResponseScript>>,
): Promise<RecordingBackend> {
  const requests: SeenRequest[] = [];
  const errors: BackendParseError[] = [];
  const raw = new Map<number, Buffer[]>();
  const sockets = new Set<net.Socket>();
  let serial = 0;

  const server = net.createServer((socket) => {
    const conn = ++serial;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const chunks: Buffer[] = [];
    raw.set(conn, chunks);
    let buf: Buffer = Buffer.alloc(0);
    let index = 0;
    let sentContinue = false;
    let busy = false;
    let closed = false;

    const pump = async (): Promise<void> => {
      if (busy || closed) return;
      busy = true;
      try {
        for (;;) {
          const found = parseHead(buf, 0);
          if (found === null) return;
          const { head, end } = found;
          const [method = '', target = '', version = ''] = head.line.split(' ');
          const name = target.startsWith('/script/') ? target.slice(8).split('?')[0]! : '';
          const early = scripts[name]?.answerBeforeBody === true;
          const framing = early ? ({ kind: 'none' } as const) : lenientFraming(head.fields, false);
          if (typeof framing === 'string') {
            fail(framing);
            return;
          }
          let bodyEnd = end;
          let body: Buffer = Buffer.alloc(0);
          let trailers: Field[] = [];
          let chunkLines: string[] = [];
          if (framing.kind === 'length' || framing.kind === 'chunked') {
            if (
              !sentContinue &&
              fieldValues(head.fields, 'expect').some((v) => v.toLowerCase() === '100-continue')
            ) {
              sentContinue = true;
              socket.write('HTTP/1.1 100 Continue\r\n\r\n');
            }
          }
          if (framing.kind === 'length') {
            if (buf.length < end + framing.length) return;
            body = buf.subarray(end, end + framing.length);
            bodyEnd = end + framing.length;
          } else if (framing.kind === 'chunked') {
            const r = decodeChunked(buf, end);
            if (r === null) return;
            if (typeof r === 'string') {
              fail(r);
              return;
            }
            body = r.body;
            trailers = r.trailers;
            chunkLines = r.chunkLines;
            bodyEnd = r.end;
          }
          const headBytes = buf.subarray(found.start, end);
          const message = buf.subarray(found.start, bodyEnd);
          buf = buf.subarray(bodyEnd);
          sentContinue = false;
          requests.push({
            conn,
            index: index++,
            line: head.line,
            method,
            target,
            version,
            fields: head.fields,
            framing:
              framing.kind === 'length' ? `length ${framing.length}` : (framing.kind as string),
            body: Buffer.from(body),
            trailers,
            chunkLines,
            malformed: checkForwardedRequest(headBytes, message),
            at: Date.now(),
          });
          await answer(method, target, head.fields);
          if (closed) return;
        }
      } finally {
        busy = false;
      }
    };

    const answer = async (method: string, target: string, fields: Field[]): Promise<void> => {
      const name = target.startsWith('/script/') ? target.slice(8).split('?')[0]! : null;
      const script = name === null ? undefined : scripts[name];
      if (script === undefined) {
        socket.write(method === 'HEAD' ? OK : OK + 'ok');
        if (hasToken(fields, 'connection', 'close')) {
          closed = true;
          socket.end();
        }
        return;
      }
      for (let i = 0; i < script.writes.length; i++) {
        if (i > 0 && (script.gapMs ?? 0) > 0) {
          await new Promise((r) => setTimeout(r, script.gapMs));
        }
        if (socket.destroyed) return;
        socket.write(Buffer.from(script.writes[i]!, 'latin1'));
      }
      if (script.close === true) {
        closed = true;
        socket.end();
      }
    };

    const fail = (error: string): void => {
      errors.push({ conn, error, rest: buf.toString('latin1', 0, 2000), at: Date.now() });
      closed = true;
      socket.destroy();
    };

    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      void pump().then(() => {
        // Bytes that arrived while a scripted answer was being written.
        if (!busy && !closed && buf.length > 0) void pump();
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    requests,
    errors,
    rawByConnection: () => new Map([...raw].map(([k, v]) => [k, Buffer.concat(v)])),
    connections: () => serial,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
