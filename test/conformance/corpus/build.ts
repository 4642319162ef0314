/** Small builders shared by the corpus files: request bytes and reusable checks. */
import { fieldValues } from '../harness/lenient';
import type { SeenRequest } from '../harness/recording-backend';
import type { SeenResponse } from '../harness/client';
import type { Observation } from '../harness/types';

export const HOST = 'Host: example.test';
/** A request a lenient backend would find if a proxy let the bytes after a body through. */
export const HIDDEN = 'GET /SMUG HTTP/1.1\r\nHost: example.test\r\n\r\n';

/** A message from a start line, field lines (without CRLF) and a body. */
export function msg(line: string, fields: readonly string[], body = ''): string {
  return `${line}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n${body}`;
}

export function get(target = '/', fields: readonly string[] = [HOST]): string {
  return msg(`GET ${target} HTTP/1.1`, fields);
}

export function post(fields: readonly string[], body: string, target = '/up'): string {
  return msg(`POST ${target} HTTP/1.1`, [HOST, ...fields], body);
}

export type Check = (o: Observation) => string | null;

export function all(...checks: Check[]): Check {
  return (o) => {
    for (const c of checks) {
      const p = c(o);
      if (p !== null) return p;
    }
    return null;
  };
}

/** A check on the i-th forwarded request; passes when nothing was forwarded. */
export function onForwarded(fn: (r: SeenRequest) => string | null, i = 0): Check {
  return (o) => {
    const r = o.forwarded[i];
    return r === undefined ? null : fn(r);
  };
}

/** A check on the i-th final response; fails when there is none. */
export function onResponse(fn: (r: SeenResponse) => string | null, i = 0): Check {
  return (o) => {
    const r = o.client.responses[i];
    return r === undefined ? `no response #${i + 1}` : fn(r);
  };
}

export function fwdField(name: string, expected: string[] | null, i = 0): Check {
  return onForwarded((r) => {
    const got = fieldValues(r.fields, name);
    if (expected === null) {
      return got.length === 0 ? null : `backend got ${name}: ${JSON.stringify(got)}`;
    }
    return JSON.stringify(got) === JSON.stringify(expected)
      ? null
      : `backend got ${name} ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`;
  }, i);
}

/** The forwarded field's values must not contain `needle` (case-insensitive). */
export function fwdFieldLacks(name: string, needle: string, i = 0): Check {
  return onForwarded((r) => {
    const got = fieldValues(r.fields, name);
    return got.some((v) => v.toLowerCase().includes(needle.toLowerCase()))
      ? `backend got ${name}: ${JSON.stringify(got)}`
      : null;
  }, i);
}

export function fwdBody(expected: string, i = 0): Check {
  return onForwarded((r) => {
    const got = r.body.toString('latin1');
    return got === expected
      ? null
      : `backend got body ${JSON.stringify(got.slice(0, 80))}, expected ${JSON.stringify(expected.slice(0, 80))}`;
  }, i);
}

export function fwdLine(expected: string, i = 0): Check {
  return onForwarded(
    (r) =>
      r.line === expected
        ? null
        : `backend got ${JSON.stringify(r.line)}, expected ${JSON.stringify(expected)}`,
    i,
  );
}

export function fwdTarget(expected: string, i = 0): Check {
  return onForwarded(
    (r) =>
      r.target === expected
        ? null
        : `backend got target ${JSON.stringify(r.target)}, expected ${JSON.stringify(expected)}`,
    i,
  );
}

export function respField(name: string, expected: string[] | null, i = 0): Check {
  return onResponse((r) => {
    const got = fieldValues(r.fields, name);
    if (expected === null)
      return got.length === 0 ? null : `client got ${name}: ${JSON.stringify(got)}`;
    return JSON.stringify(got) === JSON.stringify(expected)
      ? null
      : `client got ${name} ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`;
  }, i);
}

export function respBody(expected: string, i = 0): Check {
  return onResponse((r) => {
    const got = r.body.toString('latin1');
    if (!r.complete) return `response body cut short after ${r.body.length} bytes`;
    return got === expected
      ? null
      : `client got body ${JSON.stringify(got.slice(0, 80))}, expected ${JSON.stringify(expected)}`;
  }, i);
}

/** No response to the client that looks complete (an error status or an aborted connection). */
export const noCompleteSuccess: Check = (o) => {
  const r = o.client.responses[0];
  if (r === undefined) return o.client.closed ? null : 'no response and the connection is open';
  if (r.status >= 200 && r.status < 300 && r.complete && !o.client.closed)
    return `a complete ${r.status} on a connection left open`;
  return null;
};

/** Nothing unparsable after the responses (a proxy must not leak backend bytes as junk). */
export const noJunk: Check = (o) =>
  o.client.junk === ''
    ? null
    : `junk after the responses: ${JSON.stringify(o.client.junk.slice(0, 80))}`;
