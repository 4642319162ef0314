/**
 * Corpus cases where rrproxy does not yet do what the RFC requires, each with the rule it breaks.
 * Their tests run as `test.failing`, so `npm test` stays green while the bug is there and turns
 * red once it is fixed: then delete the entry here (the test becomes a regular one).
 * Details (bytes sent, what rrproxy did, what nginx and HAProxy did): bench/conformance/FINDINGS.md.
 */
export const KNOWN_FAILING: Readonly<Record<string, string>> = {};
