import net from 'node:net';
import { decodeChunked, lenientFraming, parseHead, type Field } from './lenient';

export interface SeenResponse {
  status: number;
  line: string;
  fields: Field[];
  /** 1xx heads received before this final response. */
  interim: number[];
  framing: string;
  body: Buffer;
  trailers: Field[];
  /** The body ended as its framing said (false: cut by a close). */
  complete: boolean;
  bareLf: boolean;
}

export interface ClientOutcome {
  responses: SeenResponse[];
  /** The proxy closed the connection (FIN or reset) within the observation window. */
  closed: boolean;
  reset: boolean;
  /** Bytes after the last complete response that did not parse as a response. */
  junk: string;
  /** Everything received (latin1), capped. */
  raw: string;
}

export interface ClientPlan {
  port: number;
  /** Local address to connect from: the case's identity in X-Forwarded-For. */
  localAddress: string;
  writes: Buffer[];
  gapMs: number;
  /** Which final responses answer a HEAD request (no body). */
  heads: boolean[];
  /** Half-close after the last write. */
  halfClose: boolean;
  /** Stop once the connection was idle this long after a complete final response. */
  idleMs: number;
  /** Final responses to wait for before going by idleness (the bytes' request count). */
  expectResponses?: number;
  /** Hard bound on the whole observation. */
  maxMs: number;
}

/**
 * Sends the plan's bytes and reads whatever comes back, leniently, until the proxy closes, or
 * the connection was quiet for idleMs after a complete response, or maxMs passed.
 */
export function runClient(plan: ClientPlan): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({
      host: '127.0.0.1',
      port: plan.port,
      localAddress: plan.localAddress,
    });
    let buf: Buffer = Buffer.alloc(0);
    let closed = false;
    let reset = false;
    let done = false;
    let idleTimer: NodeJS.Timeout | null = null;
    const responses: SeenResponse[] = [];
    let pos = 0;
    let interim: number[] = [];
    let junk = '';
    let writesDone = false;

    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(hard);
      if (idleTimer !== null) clearTimeout(idleTimer);
      // Close-delimited final response: what arrived is the body.
      socket.destroy();
      resolve({
        responses,
        closed,
        reset,
        junk,
        raw: buf.toString('latin1', 0, 64 * 1024),
      });
    };
    const hard = setTimeout(finish, plan.maxMs);

    const armIdle = (): void => {
      if (idleTimer !== null) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        // Quiet after a complete response: done. Nothing yet: wait for maxMs (the proxy may be
        // waiting for bytes that will never come, which is itself the observation).
        // A response announcing Connection: close is followed by the close: wait for it, so a
        // loaded machine does not turn a slow FIN into "kept open".
        const last = responses[responses.length - 1];
        const closing =
          last !== undefined &&
          last.fields.some(([n, v]) => n.toLowerCase() === 'connection' && /close/i.test(v));
        const enough = responses.length >= Math.max(1, plan.expectResponses ?? 1);
        if (writesDone && enough && !closing && pos >= buf.length) finish();
        else armIdle();
      }, plan.idleMs);
    };

    const parseMore = (atEnd: boolean): void => {
      for (;;) {
        if (pos >= buf.length) return;
        if (responses.length > 0 && responses[responses.length - 1]!.status === 101) {
          junk = buf.toString('latin1', pos, pos + 2000);
          pos = buf.length;
          return;
        }
        const found = parseHead(buf, pos);
        if (found === null) {
          if (atEnd) {
            junk = buf.toString('latin1', pos, pos + 2000);
            pos = buf.length;
          }
          return;
        }
        const { head, end } = found;
        const m = /^HTTP\/\d\.\d (\d{3})(?: |$)/.exec(head.line);
        if (m === null) {
          junk = buf.toString('latin1', pos, pos + 2000);
          pos = buf.length;
          return;
        }
        const status = Number(m[1]);
        if (status >= 100 && status < 200 && status !== 101) {
          interim.push(status);
          pos = end;
          continue;
        }
        const isHead = plan.heads[responses.length] ?? false;
        let framing = lenientFraming(head.fields, true);
        if (isHead || status === 204 || status === 304 || status === 101)
          framing = { kind: 'none' };
        if (typeof framing === 'string') framing = { kind: 'close' };
        const base = { status, line: head.line, fields: head.fields, bareLf: head.bareLf };
        if (framing.kind === 'none') {
          responses.push({
            ...base,
            interim,
            framing: 'none',
            body: Buffer.alloc(0),
            trailers: [],
            complete: true,
          });
          pos = end;
        } else if (framing.kind === 'length') {
          if (buf.length < end + framing.length) {
            if (!atEnd) return;
            responses.push({
              ...base,
              interim,
              framing: `length ${framing.length}`,
              body: buf.subarray(end),
              trailers: [],
              complete: false,
            });
            pos = buf.length;
            return;
          }
          responses.push({
            ...base,
            interim,
            framing: `length ${framing.length}`,
            body: buf.subarray(end, end + framing.length),
            trailers: [],
            complete: true,
          });
          pos = end + framing.length;
        } else if (framing.kind === 'chunked') {
          const r = decodeChunked(buf, end);
          if (r === null || typeof r === 'string') {
            if (!atEnd && r === null) return;
            responses.push({
              ...base,
              interim,
              framing: 'chunked',
              body: buf.subarray(end),
              trailers: [],
              complete: false,
            });
            pos = buf.length;
            return;
          }
          responses.push({
            ...base,
            interim,
            framing: 'chunked',
            body: r.body,
            trailers: r.trailers,
            complete: true,
          });
          pos = r.end;
        } else {
          if (!atEnd) return;
          responses.push({
            ...base,
            interim,
            framing: 'close',
            body: buf.subarray(end),
            trailers: [],
            complete: true,
          });
          pos = buf.length;
        }
        interim = [];
      }
    };

    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      parseMore(false);
      armIdle();
    });
    socket.on('end', () => {
      closed = true;
      parseMore(true);
      finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      closed = true;
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') reset = true;
      parseMore(true);
      finish();
    });
    socket.on('close', () => {
      closed = true;
      parseMore(true);
      finish();
    });
    socket.on('connect', async () => {
      for (let i = 0; i < plan.writes.length; i++) {
        if (i > 0 && plan.gapMs > 0) await new Promise((r) => setTimeout(r, plan.gapMs));
        if (done || socket.destroyed) return;
        socket.write(plan.writes[i]!);
      }
      if (plan.halfClose) socket.end();
      writesDone = true;
      armIdle();
    });
  });
}
