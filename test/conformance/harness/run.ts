import { runClient } from './client';
import { fieldValues } from './lenient';
import { checkResponseHead } from './wellformed';
import type { RecordingBackend, SeenRequest } from './recording-backend';
import type { Case, Expectation, Observation } from './types';

export interface RunOptions {
  /** Cases in flight at once (each from its own local address, so attribution stays exact). */
  concurrency?: number;
  idleMs?: number;
  maxMs?: number;
}

export interface CorpusRun {
  observations: Map<string, Observation>;
  /** Backend requests no case could be matched with (no known X-Forwarded-For, no marker). */
  unattributed: SeenRequest[];
  /** The proxy's own requests (rrproxy's active health checks): not client traffic. */
  ownRequests: SeenRequest[];
}

/** The local address a case connects from: 127.2.x.y, unique per index. */
export function caseAddress(index: number): string {
  return `127.2.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}

/** "/SMUG" becomes "/S" + 3 digits: same length, so Content-Lengths in the case stay right. */
export function markerFor(index: number): string {
  return `/S${String(index % 1000).padStart(3, '0')}`;
}

const MARKER = /^(?:https?:\/\/[^/]*)?\/S(\d{3})(?:[/?]|$)/;

function lastForwardedFor(r: SeenRequest): string | null {
  const all = fieldValues(r.fields, 'x-forwarded-for');
  if (all.length === 0) return null;
  const items = all[all.length - 1]!.split(',');
  return items[items.length - 1]!.trim();
}

/**
 * Runs every case against a proxy on `port` whose only backend is `backend`, then matches what
 * the backend received to the cases: by the hidden request's marker, else by the client address
 * the proxy put in X-Forwarded-For.
 */
export async function runCorpus(
  proxyName: string,
  port: number,
  backend: RecordingBackend,
  cases: readonly Case[],
  opts: RunOptions = {},
): Promise<CorpusRun> {
  const concurrency = opts.concurrency ?? 16;
  const firstRequest = backend.requests.length;
  const outcomes = new Array<Awaited<ReturnType<typeof runClient>>>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= cases.length) return;
      const c = cases[i]!;
      const marker = markerFor(i);
      outcomes[i] = await runClient({
        port,
        localAddress: caseAddress(i),
        writes: c.writes.map((w) => Buffer.from(w.split('/SMUG').join(marker), 'latin1')),
        gapMs: c.gapMs ?? 0,
        heads: c.heads ?? [c.writes[0]!.startsWith('HEAD ')],
        halfClose: c.halfClose ?? false,
        idleMs: opts.idleMs ?? 250,
        expectResponses: c.expect.statuses?.length ?? c.heads?.length ?? 1,
        maxMs: c.maxMs ?? opts.maxMs ?? 1500,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  // Requests still in flight between proxy and backend (a hidden request right after a body).
  await new Promise((r) => setTimeout(r, 300));

  const byAddress = new Map(cases.map((_, i) => [caseAddress(i), i]));
  const forwarded = cases.map((): SeenRequest[] => []);
  const smuggled = cases.map((): SeenRequest[] => []);
  const unattributed: SeenRequest[] = [];
  const ownRequests: SeenRequest[] = [];
  for (const r of backend.requests.slice(firstRequest)) {
    if (fieldValues(r.fields, 'user-agent').some((v) => v.endsWith('-health-check'))) {
      ownRequests.push(r);
      continue;
    }
    const m = MARKER.exec(r.target);
    if (m !== null && Number(m[1]) < cases.length) {
      smuggled[Number(m[1])]!.push(r);
      continue;
    }
    const xff = lastForwardedFor(r);
    const i = xff === null ? undefined : byAddress.get(xff);
    if (i === undefined) unattributed.push(r);
    else forwarded[i]!.push(r);
  }

  const observations = new Map<string, Observation>();
  cases.forEach((c, i) => {
    const client = outcomes[i]!;
    observations.set(c.id, {
      caseId: c.id,
      proxy: proxyName,
      client,
      statuses: client.responses.map((r) => r.status),
      interim: client.responses.flatMap((r) => r.interim),
      forwarded: forwarded[i]!,
      smuggled: smuggled[i]!,
    });
  });
  return { observations, unattributed, ownRequests };
}

/** Everything wrong with an observation against the case's RFC expectation; empty when right. */
export function judge(c: Case, o: Observation, strict = false): string[] {
  const problems: string[] = [];
  const e: Expectation = strict && c.strict !== undefined ? { ...c.expect, ...c.strict } : c.expect;
  if (o.smuggled.length > 0) {
    const lines = o.smuggled.map((r) => r.line).join(' | ');
    problems.push(
      isDesync(o)
        ? `SMUGGLED: the backend got a request the proxy never answered (desync): ${lines}`
        : `processed the request hidden after a malformed one: ${lines}`,
    );
  }
  for (const r of o.forwarded) {
    if (r.malformed !== null) problems.push(`forwarded a malformed request: ${r.malformed}`);
  }
  o.client.responses.forEach((r, i) => {
    const bad = checkResponseHead(r.line, r.fields, r.bareLf);
    if (bad !== null) problems.push(`sent the client a malformed response: ${bad}`);
    // RFC 9112 9.6: a server that sends "close" MUST close after that response, and answer nothing more.
    const closes = fieldValues(r.fields, 'connection').some((v) =>
      /(^|,)\s*close\s*(,|$)/i.test(v),
    );
    if (closes && i < o.client.responses.length - 1)
      problems.push(`answered again after a response with Connection: close`);
    if (closes && i === o.client.responses.length - 1 && !o.client.closed)
      problems.push('sent Connection: close but left the connection open');
  });
  const first = o.statuses[0] ?? 0;
  if (e.status !== undefined && !e.status.includes(first)) {
    problems.push(`status ${first || 'none'}, expected ${e.status.join(' or ')}`);
  }
  if (e.statuses !== undefined && o.statuses.join(',') !== e.statuses.join(',')) {
    problems.push(`statuses [${o.statuses.join(',')}], expected [${e.statuses.join(',')}]`);
  }
  if (e.close !== undefined && o.client.closed !== e.close) {
    problems.push(e.close ? 'connection left open' : 'connection closed');
  }
  if (e.forwarded !== undefined) {
    const [min, max] = typeof e.forwarded === 'number' ? [e.forwarded, e.forwarded] : e.forwarded;
    const n = o.forwarded.length;
    if (n < min || n > max) {
      problems.push(
        `backend got ${n} request(s), expected ${min === max ? min : `${min}..${max}`}` +
          (n > 0 ? `: ${o.forwarded.map((r) => r.line).join(' | ')}` : ''),
      );
    }
  }
  if (e.check !== undefined) {
    const p = e.check(o);
    if (p !== null) problems.push(p);
  }
  return problems;
}

/**
 * A hidden request that reached the backend without the proxy answering it as a request of its
 * own: the proxy and the backend disagree on where a message ends. (A proxy that answered it
 * took it for a pipelined request: lenient and wrong, but not a desync.)
 */
export function isDesync(o: Observation): boolean {
  return o.smuggled.length > 0 && o.statuses.length < o.forwarded.length + o.smuggled.length;
}

/** Fields worth showing of what a backend received (framing, routing, forwarding, hop-by-hop). */
const SHOWN_FIELDS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'x-forwarded-for',
  'via',
  'upgrade',
  'expect',
  'te',
  'max-forwards',
];

/**
 * One line describing an observation, for failure messages and the report; `fields` adds the
 * selected fields of each forwarded request.
 */
export function describe(o: Observation, fields = false): string {
  const st = o.statuses.length === 0 ? 'no response' : o.statuses.join(',');
  const interim = o.interim.length > 0 ? ` (1xx: ${o.interim.join(',')})` : '';
  const conn = o.client.closed ? (o.client.reset ? 'reset' : 'closed') : 'open';
  const fwd = o.forwarded
    .map((r) => {
      let d = `${r.line} [${r.framing}${r.body.length > 0 ? ` ${r.body.length}B` : ''}]`;
      if (fields) {
        const shown = r.fields.filter(([n]) => SHOWN_FIELDS.includes(n.toLowerCase()));
        if (shown.length > 0) d += ` {${shown.map(([n, v]) => `${n}: ${v}`).join('; ')}}`;
      }
      return d;
    })
    .join(' | ');
  return `${st}${interim}; ${conn}; backend ${o.forwarded.length}${fwd ? `: ${fwd}` : ''}${
    o.smuggled.length > 0 ? `; SMUGGLED ${o.smuggled.length}` : ''
  }`;
}
