import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { pollUntil, trackCleanup } from './cleanup';

/**
 * A local OTLP/HTTP trace receiver (what a collector or Jaeger's OTLP port does), for tests:
 * `POST /v1/traces` with an ExportTraceServiceRequest in OTLP/JSON
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding), as
 * @opentelemetry/exporter-trace-otlp-http sends it (Content-Type: application/json, ids as hex,
 * int64 as strings or numbers, optionally gzip). Spans are decoded into plain objects.
 *
 * It is strict: anything that is not a well-formed JSON export on that path (other path, method,
 * content type, malformed ids or shape) is answered 4xx and recorded in `problems`; protobuf
 * (application/x-protobuf, what the -proto exporter sends) is refused with 415 and recorded,
 * since the exporter under test sends JSON. Tests call `assertNoProblems()`.
 */

export type SpanKindName =
  'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
export type AttributeValue = string | number | boolean | null | AttributeValue[] | Attributes;
export interface Attributes {
  [key: string]: AttributeValue;
}

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  readonly events: ReadonlyArray<{ name: string; timeUnixNano: bigint; attributes: Attributes }>;
  /** 'UNSET' | 'OK' | 'ERROR'. */
  readonly status: { code: 'UNSET' | 'OK' | 'ERROR'; message: string };
  readonly resource: Attributes;
  readonly scope: { name: string; version: string };
}

export interface ReceivedExport {
  readonly contentType: string;
  readonly contentEncoding: string;
  readonly spans: number;
}

export interface OtlpReceiver {
  /** Base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it: http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly port: number;
  spans(): ReceivedSpan[];
  exports(): ReceivedExport[];
  readonly problems: string[];
  assertNoProblems(): void;
  /** Polls until `pred` holds for the spans received so far; returns them. */
  waitForSpans(
    pred: (spans: ReceivedSpan[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<ReceivedSpan[]>;
  /** Answers the next `count` exports with `status` (e.g. 503) instead of accepting them. */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

const KINDS: readonly SpanKindName[] = [
  'UNSPECIFIED',
  'INTERNAL',
  'SERVER',
  'CLIENT',
  'PRODUCER',
  'CONSUMER',
];
const STATUS_CODES = ['UNSET', 'OK', 'ERROR'] as const;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const MAX_BODY = 32 * 1024 * 1024;

class DecodeError extends Error {}

export async function startOtlpReceiver(host = '127.0.0.1', port = 0): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const exports: ReceivedExport[] = [];
  const problems: string[] = [];
  let failures: { count: number; status: number } | null = null;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const answer = (status: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      const refuse = (status: number, problem: string): void => {
        problems.push(problem);
        answer(status, { code: status, message: problem });
      };
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/v1/traces')
        return refuse(404, `unexpected ${req.method} ${req.url}`);
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const contentEncoding = (req.headers['content-encoding'] ?? '').toLowerCase();
      if (contentType !== 'application/json')
        return refuse(415, `unsupported content-type ${contentType || '(none)'}`);
      if (size > MAX_BODY) return refuse(413, `export of ${size} bytes`);
      if (failures !== null && failures.count > 0) {
        failures.count--;
        return answer(failures.status, { code: failures.status, message: 'failing on request' });
      }
      let decoded: ReceivedSpan[];
      try {
        let body = Buffer.concat(chunks);
        if (contentEncoding === 'gzip') body = gunzipSync(body);
        else if (contentEncoding !== '' && contentEncoding !== 'identity')
          throw new DecodeError(`unsupported content-encoding ${contentEncoding}`);
        decoded = decodeExport(JSON.parse(body.toString('utf8')) as unknown);
      } catch (err) {
        return refuse(400, `bad export: ${err instanceof Error ? err.message : String(err)}`);
      }
      spans.push(...decoded);
      exports.push({ contentType, contentEncoding, spans: decoded.length });
      answer(200, {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const untrack = trackCleanup(close);
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    endpoint: `http://${hostPart}:${addr.port}`,
    port: addr.port,
    spans: () => [...spans],
    exports: () => [...exports],
    problems,
    assertNoProblems: () => {
      if (problems.length > 0) throw new Error(`OTLP receiver problems:\n${problems.join('\n')}`);
    },
    waitForSpans: async (pred, what, timeoutMs = 15_000) => {
      await pollUntil(what, () => pred(spans), timeoutMs, 50);
      return [...spans];
    },
    failNext: (count, status) => {
      failures = { count, status };
    },
    close: () => {
      untrack();
      return close();
    },
  };
}

// ---- OTLP/JSON decoding (strict) -------------------------------------------------------------

function decodeExport(json: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of arrayField(json, 'resourceSpans')) {
    const resource = attributesOf(optionalObject(rs, 'resource'));
    for (const ss of arrayField(rs, 'scopeSpans')) {
      const scopeObj = optionalObject(ss, 'scope');
      const scope = {
        name: optionalString(scopeObj, 'name'),
        version: optionalString(scopeObj, 'version'),
      };
      for (const s of arrayField(ss, 'spans')) out.push(decodeSpan(s, resource, scope));
    }
  }
  return out;
}

function decodeSpan(s: unknown, resource: Attributes, scope: ReceivedSpan['scope']): ReceivedSpan {
  const traceId = stringField(s, 'traceId');
  const spanId = stringField(s, 'spanId');
  const parentSpanId = optionalString(s, 'parentSpanId');
  if (!HEX32.test(traceId)) throw new DecodeError(`traceId ${traceId} is not 32 hex digits`);
  if (!HEX16.test(spanId)) throw new DecodeError(`spanId ${spanId} is not 16 hex digits`);
  if (parentSpanId !== '' && !HEX16.test(parentSpanId))
    throw new DecodeError(`parentSpanId ${parentSpanId} is not 16 hex digits`);
  const kind = KINDS[numberField(s, 'kind')];
  if (kind === undefined) throw new DecodeError(`bad span kind`);
  const statusObj = optionalObject(s, 'status');
  const code = STATUS_CODES[statusObj === null ? 0 : optionalNumber(statusObj, 'code')];
  if (code === undefined) throw new DecodeError('bad status code');
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState: optionalString(s, 'traceState'),
    name: stringField(s, 'name'),
    kind,
    startTimeUnixNano: int64Field(s, 'startTimeUnixNano'),
    endTimeUnixNano: int64Field(s, 'endTimeUnixNano'),
    attributes: attributesOf(s),
    events: optionalArray(s, 'events').map((e) => ({
      name: stringField(e, 'name'),
      timeUnixNano: int64Field(e, 'timeUnixNano'),
      attributes: attributesOf(e),
    })),
    status: { code, message: optionalString(statusObj, 'message') },
    resource,
    scope,
  };
}

function attributesOf(holder: unknown): Attributes {
  const out: Attributes = {};
  if (holder === null) return out;
  for (const kv of optionalArray(holder, 'attributes')) {
    out[stringField(kv, 'key')] = anyValue(field(kv, 'value'));
  }
  return out;
}

function anyValue(v: unknown): AttributeValue {
  if (!isObject(v)) throw new DecodeError('attribute value is not an object');
  if ('stringValue' in v) return stringField(v, 'stringValue');
  if ('boolValue' in v) {
    if (typeof v['boolValue'] !== 'boolean') throw new DecodeError('boolValue not a boolean');
    return v['boolValue'];
  }
  if ('intValue' in v) return Number(int64Field(v, 'intValue'));
  if ('doubleValue' in v) return numberField(v, 'doubleValue');
  if ('arrayValue' in v) return optionalArray(field(v, 'arrayValue'), 'values').map(anyValue);
  if ('kvlistValue' in v) return attributesOfList(field(v, 'kvlistValue'));
  if ('bytesValue' in v) return stringField(v, 'bytesValue');
  return null;
}

function attributesOfList(holder: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of optionalArray(holder, 'values'))
    out[stringField(kv, 'key')] = anyValue(field(kv, 'value'));
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(o: unknown, name: string): unknown {
  if (!isObject(o)) throw new DecodeError(`expected an object holding ${name}`);
  if (!(name in o)) throw new DecodeError(`missing ${name}`);
  return o[name];
}

function arrayField(o: unknown, name: string): unknown[] {
  const v = field(o, name);
  if (!Array.isArray(v)) throw new DecodeError(`${name} is not an array`);
  return v;
}

function optionalArray(o: unknown, name: string): unknown[] {
  if (!isObject(o) || o[name] === undefined) return [];
  const v = o[name];
  if (!Array.isArray(v)) throw new DecodeError(`${name} is not an array`);
  return v;
}

function optionalObject(o: unknown, name: string): Record<string, unknown> | null {
  if (!isObject(o) || o[name] === undefined || o[name] === null) return null;
  const v = o[name];
  if (!isObject(v)) throw new DecodeError(`${name} is not an object`);
  return v;
}

function stringField(o: unknown, name: string): string {
  const v = field(o, name);
  if (typeof v !== 'string') throw new DecodeError(`${name} is not a string`);
  return v;
}

function optionalString(o: unknown, name: string): string {
  if (!isObject(o) || o[name] === undefined) return '';
  return stringField(o, name);
}

function numberField(o: unknown, name: string): number {
  const v = field(o, name);
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new DecodeError(`${name} is not a number`);
  return v;
}

function optionalNumber(o: unknown, name: string): number {
  if (!isObject(o) || o[name] === undefined) return 0;
  return numberField(o, name);
}

/** Protobuf JSON mapping: int64 as a decimal string, or a number when it fits. */
function int64Field(o: unknown, name: string): bigint {
  const v = field(o, name);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new DecodeError(`${name} is not an int64`);
}
