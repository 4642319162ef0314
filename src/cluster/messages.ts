/**
 * The IPC protocol between a --workers primary and its workers: plain JSON-safe objects (the
 * cluster channel serialises with JSON), each tagged with `t`, and the pure functions that build
 * and check them. Node's own cluster messages never reach a 'message' listener, so the `rrp:`
 * prefix only keeps ours recognisable in a debugger.
 *
 *   primary -> worker   rrp:set (a BackendSet), rrp:unsynced (no set yet: the answer to a hello
 *                       while discovery has not synced), rrp:req (a question), rrp:shutdown
 *   worker  -> primary  rrp:hello (ready to receive sets), rrp:applied (a set is in use),
 *                       rrp:res (the answer to an rrp:req)
 */
import { BackendSet, makeBackend, type Backend, type BackendInit } from '../balancer/backend';

/** One backend on the wire: the fields makeBackend takes (the id is derived again). */
export type WireBackend = BackendInit;

export interface SetMessage {
  readonly t: 'rrp:set';
  readonly version: number;
  readonly backends: readonly WireBackend[];
}

/** What the primary asks a worker. */
export type Question =
  | { readonly op: 'status' }
  | { readonly op: 'metrics' }
  | { readonly op: 'purge'; readonly all: true }
  | { readonly op: 'purge'; readonly all: false; readonly target: string };

export type RequestMessage = { readonly t: 'rrp:req'; readonly id: number } & Question;

export interface UnsyncedMessage {
  readonly t: 'rrp:unsynced';
}

export interface ShutdownMessage {
  readonly t: 'rrp:shutdown';
}

export interface HelloMessage {
  readonly t: 'rrp:hello';
}

export interface AppliedMessage {
  readonly t: 'rrp:applied';
  readonly version: number;
}

export type ResponseMessage =
  | { readonly t: 'rrp:res'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly t: 'rrp:res'; readonly id: number; readonly ok: false; readonly error: string };

export type ToWorker = SetMessage | UnsyncedMessage | RequestMessage | ShutdownMessage;
export type ToPrimary = HelloMessage | AppliedMessage | ResponseMessage;

export function setMessage(set: BackendSet): SetMessage {
  return {
    t: 'rrp:set',
    version: set.version,
    backends: set.backends.map((b): WireBackend => {
      const w: WireBackend = { host: b.host, port: b.port, weight: b.weight };
      if (b.pod !== undefined) w.pod = b.pod;
      if (b.zone !== undefined) w.zone = b.zone;
      if (b.terminating === true) w.terminating = true;
      return w;
    }),
  };
}

/** The BackendSet a SetMessage carries; the same ids, order and version as the primary's. */
export function backendSetOf(msg: SetMessage): BackendSet {
  return new BackendSet(
    msg.backends.map((w): Backend => makeBackend(w)),
    msg.version,
  );
}

// ---- checking what arrives (the other side is ours, but a message is still unknown data) ----

function record(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
}

function isWireBackend(v: unknown): v is WireBackend {
  const r = record(v);
  return (
    r !== null &&
    typeof r['host'] === 'string' &&
    Number.isInteger(r['port']) &&
    (r['weight'] === undefined || typeof r['weight'] === 'number') &&
    (r['pod'] === undefined || typeof r['pod'] === 'string') &&
    (r['zone'] === undefined || typeof r['zone'] === 'string') &&
    (r['terminating'] === undefined || typeof r['terminating'] === 'boolean')
  );
}

/** A message from the primary, or null for anything else. */
export function toWorker(v: unknown): ToWorker | null {
  const r = record(v);
  if (r === null) return null;
  switch (r['t']) {
    case 'rrp:set':
      return typeof r['version'] === 'number' &&
        Array.isArray(r['backends']) &&
        r['backends'].every(isWireBackend)
        ? (r as unknown as SetMessage)
        : null;
    case 'rrp:req': {
      if (typeof r['id'] !== 'number') return null;
      const op = r['op'];
      if (op === 'status' || op === 'metrics') return r as unknown as RequestMessage;
      if (op === 'purge' && (r['all'] === true || typeof r['target'] === 'string'))
        return r as unknown as RequestMessage;
      return null;
    }
    case 'rrp:unsynced':
      return { t: 'rrp:unsynced' };
    case 'rrp:shutdown':
      return { t: 'rrp:shutdown' };
    default:
      return null;
  }
}

/** A message from a worker, or null for anything else. */
export function toPrimary(v: unknown): ToPrimary | null {
  const r = record(v);
  if (r === null) return null;
  switch (r['t']) {
    case 'rrp:hello':
      return { t: 'rrp:hello' };
    case 'rrp:applied':
      return typeof r['version'] === 'number' ? { t: 'rrp:applied', version: r['version'] } : null;
    case 'rrp:res':
      if (typeof r['id'] !== 'number') return null;
      if (r['ok'] === true) return { t: 'rrp:res', id: r['id'], ok: true, value: r['value'] };
      return {
        t: 'rrp:res',
        id: r['id'],
        ok: false,
        error: typeof r['error'] === 'string' ? r['error'] : 'unknown error',
      };
    default:
      return null;
  }
}
