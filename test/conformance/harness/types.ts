import type { ClientOutcome } from './client';
import type { SeenRequest } from './recording-backend';

export type Group =
  | 'smuggling'
  | 'chunked'
  | 'headers'
  | 'request-line'
  | 'expect-upgrade'
  | 'hop-by-hop'
  | 'pipelining'
  | 'response';

/** What one proxy did with one case. */
export interface Observation {
  caseId: string;
  proxy: string;
  client: ClientOutcome;
  /** Final status codes in order (what the client saw). */
  statuses: number[];
  /** Every 1xx the client saw. */
  interim: number[];
  /** Requests the backend received for this case (the hidden request excluded). */
  forwarded: SeenRequest[];
  /** Requests the backend received whose target is the case's hidden request: smuggled. */
  smuggled: SeenRequest[];
}

/**
 * The RFC-correct behaviour for a proxy (what rrproxy must do). Every listed part must hold;
 * unlisted parts are free. "No request hidden in the bytes reaches the backend" and "what is
 * forwarded is well-formed" always hold.
 */
export interface Expectation {
  /** Acceptable first final status; 0 means "no response at all". */
  status?: number[];
  /** Exact final statuses, in order. */
  statuses?: number[];
  /** The proxy closed the connection (true) or kept it open (false). */
  close?: boolean;
  /** Requests the backend got for this case: exact, or [min, max]. */
  forwarded?: number | [number, number];
  /** Further checks: return a problem, or null when fine. */
  check?: (o: Observation) => string | null;
}

export interface Case {
  /** Stable slug, unique in the corpus. */
  id: string;
  group: Group;
  title: string;
  /** Client bytes (latin1), one socket write each. "/SMUG" marks a hidden request's target. */
  writes: string[];
  gapMs?: number;
  /** Which final responses answer HEAD requests (default: the first when writes[0] is HEAD). */
  heads?: boolean[];
  halfClose?: boolean;
  /** Observation bound in ms (default 1500). */
  maxMs?: number;
  /** The rule, e.g. "RFC 9112 6.3". */
  rfc: string;
  /** What the RFC requires of any proxy (the report judges nginx and HAProxy by this too). */
  expect: Expectation;
  /**
   * Where issue 2 asks rrproxy for more than the RFC (e.g. 400 where the RFC also allows
   * processing and closing): merged over `expect` when judging rrproxy in the jest suite.
   */
  strict?: Expectation;
}

/**
 * rrproxy as the corpus runs it: the HTTP layer alone. No active health checks (their requests
 * would reach the recording backend) and no outlier ejection (the response cases produce 502s in
 * a row on purpose); everything else at its defaults.
 */
export const CONFORMANCE_CONFIG = `strategy:
  healthCheck:
    enabled: "off"
  outlier:
    consecutiveFailures: 0
    consecutive5xx: 0
`;
