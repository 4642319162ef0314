// Micro-benchmark: our HTTP/1.1 head parsing (dist/http: HeadScanner + parseRequestHead /
// parseResponseHead) against Node's own llhttp-based HTTPParser on the same bytes.
//
//   npm run build && node bench/parser-micro.mjs            # table on stdout
//   node bench/parser-micro.mjs --json                      # one JSON object (bench/run.mjs uses it)
//   PARSER_SECONDS=2 taskset -c 1 node bench/parser-micro.mjs
//
// What each side does per head, from one Buffer holding the whole head (the common case):
//   rrproxy: find the end of the head, parse the start line, build a HeaderList (names with their
//            case, lower-cased names, values), check every byte per RFC 9112.
//   llhttp:  HTTPParser.execute(), the C parser plus the JS callback that receives method, url
//            and the flat [name, value, ...] array: what node:http pays before it builds
//            req.headers. llhttp is reached through require('_http_common').HTTPParser (Node 20
//            and 24), else process.binding('http_parser') (deprecated).
// Both parsers run on one thread, interleaved batch by batch; ns per head is the median batch.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './lib/options.mjs';

const require = createRequire(import.meta.url);
const SECONDS = Number(process.env.PARSER_SECONDS || 1); // per input and parser
const BATCHES = 7;

const CRLF = '\r\n';
const head = (lines) => Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1');

/** Inputs: request heads as they reach a proxy, and a response head as nginx sends it. */
export const INPUTS = [
  {
    name: 'wrk GET (1 field)',
    request: true,
    buf: head(['GET /index.html HTTP/1.1', 'Host: 127.0.0.1:8080']),
  },
  {
    name: 'curl GET (3 fields)',
    request: true,
    buf: head([
      'GET /api/items?id=42 HTTP/1.1',
      'Host: shop.example.com',
      'User-Agent: curl/7.88.1',
      'Accept: */*',
    ]),
  },
  {
    name: 'browser GET (12 fields, cookies)',
    request: true,
    buf: head([
      'GET /products/12345/reviews?page=2&sort=newest HTTP/1.1',
      'Host: shop.example.com',
      'Connection: keep-alive',
      'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
      'sec-ch-ua-mobile: ?0',
      'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
      'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
      'Sec-Fetch-Site: same-origin',
      'Sec-Fetch-Mode: navigate',
      'Referer: https://shop.example.com/products/12345',
      'Accept-Encoding: gzip, deflate, br, zstd',
      'Accept-Language: en-GB,en;q=0.9,de;q=0.8',
      'Cookie: session=7f3a9c2e4b1d8f6a0e5c3b2a1d9f8e7c; theme=dark; consent=analytics%3Dfalse%26ads%3Dfalse; _ga=GA1.2.123456789.1700000000',
    ]),
  },
  {
    name: 'behind a load balancer (9 fields)',
    request: true,
    buf: head([
      'GET /v1/orders/98765 HTTP/1.1',
      'Host: orders.internal.svc.cluster.local',
      'User-Agent: okhttp/4.12.0',
      'Accept: application/json',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'X-Forwarded-For: 203.0.113.7, 10.0.0.12',
      'X-Forwarded-Proto: https',
      'X-Request-Id: 4bf92f3577b34da6a3ce929d0e0e4736',
      'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'Via: 1.1 edge-lb',
    ]),
  },
  {
    name: 'many fields (40)',
    request: true,
    buf: head([
      'GET /many HTTP/1.1',
      'Host: example.com',
      ...Array.from({ length: 39 }, (_, i) => `X-Custom-Field-${i}: value-${i}-abcdefghijklmnop`),
    ]),
  },
  {
    // Content-Length: 0 so llhttp's message ends with the head (a body would add its callbacks).
    name: 'nginx response head (9 fields)',
    request: false,
    buf: head([
      'HTTP/1.1 200 OK',
      'Server: nginx/1.22.1',
      'Date: Fri, 27 Nov 2026 06:00:00 GMT',
      'Content-Type: text/html',
      'Content-Length: 0',
      'Last-Modified: Fri, 27 Nov 2026 05:00:00 GMT',
      'Connection: keep-alive',
      'ETag: "6566b1f0-400"',
      'X-Backend: b1',
      'Accept-Ranges: bytes',
    ]),
  },
];

function loadOurs() {
  const file = join(ROOT_DIR, 'dist', 'http', 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first`);
  return require(file);
}

function loadLlhttp() {
  try {
    const { HTTPParser } = require('_http_common');
    if (typeof HTTPParser === 'function')
      return { HTTPParser, via: "require('_http_common').HTTPParser" };
  } catch {
    /* not exposed on this Node */
  }
  try {
    const { HTTPParser } = process.binding('http_parser');
    return { HTTPParser, via: "process.binding('http_parser') (deprecated)" };
  } catch {
    return null;
  }
}

/** A function parsing `input` once with our codec; throws if the result is wrong. */
function oursParser(http, input) {
  const scanner = new http.HeadScanner(http.DEFAULT_CODEC_LIMITS, input.request);
  const parse = input.request ? http.parseRequestHead : http.parseResponseHead;
  const buf = input.buf;
  const once = () => {
    const end = scanner.push(buf, 0);
    if (end !== buf.length)
      throw new Error(`${input.name}: head end ${end}, expected ${buf.length}`);
    return parse(scanner.headBuf, scanner.headStart, scanner.headLineEnd, scanner.headEnd);
  };
  const r = once();
  if (r.headers.length !== input.buf.toString('latin1').split(CRLF).length - 3) {
    throw new Error(`${input.name}: rrproxy parsed ${r.headers.length} fields`);
  }
  return once;
}

function llhttpParser(llhttp, input) {
  const { HTTPParser } = llhttp;
  const parser = new HTTPParser();
  parser.initialize(input.request ? HTTPParser.REQUEST : HTTPParser.RESPONSE, {}, 0, 0);
  let heads = 0;
  let fields = 0;
  let last = null;
  // Field pairs beyond 32 are flushed early through kOnHeaders (as node:http collects them).
  parser[HTTPParser.kOnHeaders] = (headers) => {
    fields += headers.length / 2;
  };
  parser[HTTPParser.kOnHeadersComplete] = (major, minor, headers, method, url, status) => {
    heads++;
    if (headers) fields += headers.length / 2; // undefined when all were flushed through kOnHeaders
    last = { method, url, status };
    return 0;
  };
  parser[HTTPParser.kOnBody] = () => {};
  parser[HTTPParser.kOnMessageComplete] = () => {};
  const buf = input.buf;
  const once = () => {
    const n = parser.execute(buf);
    if (n !== buf.length) throw new Error(`${input.name}: llhttp consumed ${String(n)}`);
    return last;
  };
  once();
  const expected = input.buf.toString('latin1').split(CRLF).length - 3;
  if (heads !== 1 || fields !== expected)
    throw new Error(`${input.name}: llhttp saw ${heads} heads, ${fields} fields`);
  return once;
}

/** Runs `fn` for about `ms` milliseconds; returns ns per call. */
function timeBatch(fn, ms) {
  // Calibrate a loop count that takes ~1 ms, then run whole loops until the time is up.
  let inner = 256;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    if (Number(process.hrtime.bigint() - t) > 1e6 || inner > 1e7) break;
    inner *= 2;
  }
  let calls = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < until) {
    for (let i = 0; i < inner; i++) fn();
    calls += inner;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / calls;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function runParserMicro(seconds = SECONDS) {
  const http = loadOurs();
  const llhttp = loadLlhttp();
  const batchMs = (seconds * 1000) / BATCHES;
  const results = [];
  for (const input of INPUTS) {
    const ours = oursParser(http, input);
    const theirs = llhttp ? llhttpParser(llhttp, input) : null;
    timeBatch(ours, batchMs); // warm-up: optimised code for both before measuring
    if (theirs) timeBatch(theirs, batchMs);
    const a = [];
    const b = [];
    for (let i = 0; i < BATCHES; i++) {
      a.push(timeBatch(ours, batchMs));
      if (theirs) b.push(timeBatch(theirs, batchMs));
    }
    const oursNs = Math.round(median(a));
    const llhttpNs = theirs ? Math.round(median(b)) : null;
    results.push({
      name: input.name,
      bytes: input.buf.length,
      oursNs,
      llhttpNs,
      ratio: llhttpNs ? Number((oursNs / llhttpNs).toFixed(2)) : null,
    });
  }
  return {
    node: process.version,
    llhttpVia: llhttp ? llhttp.via : 'not reachable on this Node',
    batches: BATCHES,
    secondsPerCase: seconds,
    results,
  };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const r = runParserMicro();
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(r) + '\n');
  } else {
    console.log(
      `Head parsing, ${r.node}, llhttp via ${r.llhttpVia}; ns per head (median of ${r.batches} batches)`,
    );
    console.log('');
    console.log('| input | bytes | rrproxy ns | llhttp ns | rrproxy ÷ llhttp |');
    console.log('|---|---|---|---|---|');
    for (const x of r.results)
      console.log(
        `| ${x.name} | ${x.bytes} | ${x.oursNs} | ${x.llhttpNs ?? '-'} | ${x.ratio ?? '-'} |`,
      );
  }
}
