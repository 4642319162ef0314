import { ProxyError } from '../errors';
import { listHasToken, requestFraming, type BodyFraming, type RequestHead } from '../http';
import type { ConnectionInfo, ProxyContext } from './context';
import {
  isValidRequestId,
  resolveClientAddress,
  viaHasName,
  type UpstreamRequestParams,
} from './forwarding';
import { nextRequestId } from './request-id';
import { isValidAuthority, parseRequestTarget, rewritePath } from './request-target';

/** A request that passed every check, with what forwarding needs. */
export interface CheckedRequest {
  framing: BodyFraming;
  /** Path (and query) to send upstream. */
  path: string;
  /** Path (and query) as the client asked, before prefix rewriting: the cache key's. */
  clientPath: string;
  /** The authority the client asked for (absolute-form or Host), or null. */
  clientHost: string | null;
  /** TRACE/OPTIONS with Max-Forwards: 0: we are the final recipient and answer it ourselves. */
  answerLocally: boolean;
  requestId: string;
  clientAddress: string;
  forwarding: UpstreamRequestParams;
}

/**
 * Decides whether a parsed request may be forwarded, in RFC order; throws ProxyError otherwise.
 * Pure apart from generating a request id.
 */
export function checkRequest(
  head: RequestHead,
  ctx: ProxyContext,
  peer: string,
  info: ConnectionInfo,
): CheckedRequest {
  const headers = head.headers;
  const cfg = ctx.config;
  const framing = requestFraming(head);

  // RFC 9112 3.2: exactly one valid Host in HTTP/1.1; at most one in 1.0.
  const hostCount = headers.count('host');
  if (hostCount > 1) throw new ProxyError('RRP_ERR_BAD_REQUEST', 'multiple Host fields');
  const hostValue = hostCount === 1 ? headers.get('host')! : null;
  if (hostValue === null && head.versionMinor === 1)
    throw new ProxyError('RRP_ERR_BAD_REQUEST', 'missing Host');
  if (hostValue !== null && !isValidAuthority(hostValue))
    throw new ProxyError('RRP_ERR_BAD_REQUEST', 'invalid Host');

  const target = parseRequestTarget(head.method, head.target);
  const clientHost = target.authority ?? hostValue;

  // Expect (RFC 9110 10.1.1): only 100-continue is known; HTTP/1.0 servers ignore it.
  let keepExpect = false;
  const expect = headers.get('expect');
  if (expect !== undefined && head.versionMinor === 1) {
    if (headers.count('expect') !== 1 || expect.trim().toLowerCase() !== '100-continue') {
      throw new ProxyError('RRP_ERR_EXPECTATION_FAILED', 'unsupported expectation');
    }
    keepExpect = true;
  }

  // Upgrade is hop-by-hop and stripped; WebSocket would need tunnelling, which we do not do yet.
  // In HTTP/1.0 Upgrade is ignored altogether (RFC 9110 7.8): it is stripped and proxied.
  const upgrade = head.versionMinor === 1 ? headers.getAll('upgrade') : [];
  if (upgrade.length > 0 && listHasToken(upgrade, 'websocket')) {
    throw new ProxyError('RRP_ERR_NOT_IMPLEMENTED', 'WebSocket upgrade');
  }

  const via = headers.getAll('via');
  if (via.length > 0 && viaHasName(via, cfg.headers.viaName)) {
    throw new ProxyError('RRP_ERR_LOOP_DETECTED', 'own Via name in request');
  }

  if (framing.kind === 'length' && framing.length > cfg.limits.maxRequestBodyBytes) {
    throw new ProxyError('RRP_ERR_BODY_TOO_LARGE', 'Content-Length over limit');
  }

  // Max-Forwards (RFC 9110 7.6.2) applies to TRACE and OPTIONS: 0 means we answer, otherwise it
  // is forwarded decremented. An unparseable value is passed on as it is.
  let maxForwards: number | null = null;
  let answerLocally = false;
  if (head.method === 'TRACE' || head.method === 'OPTIONS') {
    const mf = headers.get('max-forwards');
    if (mf !== undefined && /^[0-9]{1,9}$/.test(mf)) {
      const n = Number(mf);
      if (n === 0) answerLocally = true;
      else maxForwards = n - 1;
    }
  }

  const trusted = ctx.trusted;
  const peerTrusted = trusted !== null && trusted.has(peer);
  const xff = peerTrusted ? headers.getAll('x-forwarded-for') : [];
  const clientAddress = resolveClientAddress(peer, xff, trusted);

  const ridHeader = cfg.headers.requestIdHeader;
  const given = headers.get(ridHeader);
  const requestId = given !== undefined && isValidRequestId(given) ? given : nextRequestId();

  const path = rewritePath(target.path, cfg.headers.stripPathPrefix, cfg.headers.addPathPrefix);
  // An HTTP/1.0 request may lack Host; the backend still needs one: the address we were reached at.
  const host =
    cfg.headers.hostRewrite !== ''
      ? cfg.headers.hostRewrite
      : (clientHost ??
        (info.localAddress.includes(':')
          ? `[${info.localAddress}]:${info.localPort}`
          : `${info.localAddress}:${info.localPort}`));

  return {
    framing,
    path,
    clientPath: target.path,
    clientHost,
    answerLocally,
    requestId,
    clientAddress,
    forwarding: {
      peer,
      peerTrusted,
      proto: info.secure ? 'https' : 'http',
      host,
      clientHost,
      versionMinor: head.versionMinor,
      viaName: cfg.headers.viaName,
      requestIdHeader: ridHeader,
      requestId,
      keepExpect,
      maxForwards,
    },
  };
}
