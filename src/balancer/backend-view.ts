import type { Backend } from './backend';

/** What the admin /backends view says of a backend itself, before any counters. */
export interface BackendIdentityView {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly pod: string | null;
  readonly zone: string | null;
  readonly state: 'terminating' | 'serving';
}

/**
 * The identity part of a /backends entry, one shape for a single process (src/app.ts) and a
 * --workers pod (src/cluster/pod-views.ts); each adds its own counters after it. Unknown pod and
 * zone are null rather than absent, so every entry has the same keys.
 */
export function backendIdentityView(b: Backend): BackendIdentityView {
  return {
    id: b.id,
    host: b.host,
    port: b.port,
    weight: b.weight,
    pod: b.pod ?? null,
    zone: b.zone ?? null,
    state: b.terminating === true ? 'terminating' : 'serving',
  };
}
