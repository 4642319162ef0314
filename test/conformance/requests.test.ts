/**
 * Conformance of rrproxy to RFC 9110/9112 on what clients send: request smuggling (CL/TE
 * ambiguities), chunked framing, field syntax, Host and target forms, request lines. Each case is
 * raw bytes from test/conformance/corpus, proven at a raw backend that records every byte; a
 * request hidden after a malformed one must never reach it. The same corpus compared with nginx
 * and HAProxy: node bench/conformance/report.mjs.
 */
import { conformanceSuite } from './harness/suite';

conformanceSuite('smuggling', 'chunked', 'headers', 'request-line');
