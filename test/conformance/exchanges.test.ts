/**
 * Conformance of rrproxy to RFC 9110/9112 on whole exchanges: Expect and Upgrade, hop-by-hop
 * fields and Via, pipelining and persistence, and backend responses (invalid status lines,
 * ambiguous framing, 1xx, bodies that cannot exist, hop-by-hop fields, Date). Cases are raw bytes
 * from test/conformance/corpus; scripted backend answers come from the same corpus.
 */
import { conformanceSuite } from './harness/suite';

conformanceSuite('expect-upgrade', 'hop-by-hop', 'pipelining', 'response');
