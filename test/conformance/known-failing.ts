/**
 * Corpus cases where rrproxy does not yet do what the RFC requires, each with the rule it breaks.
 * Their tests run as `test.failing`, so `npm test` stays green while the bug is there and turns
 * red once it is fixed: then delete the entry here (the test becomes a regular one).
 * Details (bytes sent, what rrproxy did, what nginx and HAProxy did): bench/conformance/FINDINGS.md.
 */
export const KNOWN_FAILING: Readonly<Record<string, string>> = {
  'te-chunked-identity':
    'RFC 9112 6.3(4): chunked not the final coding in a request -> MUST 400 and close (rrproxy: 501)',
  'te-two-lines':
    'RFC 9112 6.3(4): "Transfer-Encoding: chunked" + "Transfer-Encoding: identity" -> 400 (rrproxy: 501)',
  'abs-options-star':
    'RFC 9112 3.2.4: OPTIONS http://host (empty path) MUST be forwarded as "OPTIONS *" (rrproxy: "OPTIONS /")',
  'mf-trace-0':
    'RFC 9110 7.6.2: TRACE with Max-Forwards: 0 MUST NOT be forwarded (rrproxy forwards it)',
  'mf-options-0':
    'RFC 9110 7.6.2: OPTIONS with Max-Forwards: 0 MUST NOT be forwarded (rrproxy forwards it)',
  'mf-trace-5':
    'RFC 9110 7.6.2: Max-Forwards MUST be decremented on TRACE (rrproxy sends 5, not 4)',
  'mf-options-3':
    'RFC 9110 7.6.2: Max-Forwards MUST be decremented on OPTIONS (rrproxy sends 3, not 2)',
  'up-websocket-10':
    'RFC 9110 7.8: Upgrade in an HTTP/1.0 request MUST be ignored (rrproxy: 501 instead of proxying)',
  'hop-xff':
    'RFC 9110 7.6.1: a field named by Connection (X-Forwarded-For) MUST be removed (rrproxy keeps the client value)',
  'retry-once':
    'RFC 9110 9.2.2: SHOULD NOT retry a failed automatic retry (rrproxy sends a GET 3 times over pooled sockets)',
  'rl-fragment':
    'RFC 9112 3.2: "#" is not allowed in a request-target; SHOULD 400 (rrproxy forwards "/p#frag")',
};
