/**
 * A backend is a typed endpoint, never a bare "host:port" string: discovery can attach the pod
 * and zone it came from, and the balancer can weigh it.
 */
export interface Backend {
  /** Stable identity used for pools, metrics labels and logs: `host:port` or `[v6]:port`. */
  readonly id: string;
  /** An IP address (v4 or v6, no brackets) or, for static config only, a resolved hostname. */
  readonly host: string;
  readonly port: number;
  /** Relative weight for weighted strategies; 1 unless configured. */
  readonly weight: number;
  /** Kubernetes pod name (EndpointSlice targetRef), when discovery knows it. */
  readonly pod?: string;
  /** Topology zone, when discovery knows it. */
  readonly zone?: string;
  /** Kubernetes EndpointConditions: serving but terminating backends are a fallback only. */
  readonly terminating?: boolean;
}

/** Formats the canonical id of an address, bracketing IPv6 literals. */
export function backendId(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The sum of the backends' weights (what weighted strategies share out). */
export function totalWeight(list: readonly Backend[]): number {
  let t = 0;
  for (const b of list) t += b.weight;
  return t;
}

export interface BackendInit {
  host: string;
  port: number;
  weight?: number;
  pod?: string;
  zone?: string;
  terminating?: boolean;
}

export function makeBackend(init: BackendInit): Backend {
  const b: Backend = {
    id: backendId(init.host, init.port),
    host: init.host,
    port: init.port,
    weight: init.weight ?? 1,
    ...(init.pod !== undefined ? { pod: init.pod } : {}),
    ...(init.zone !== undefined ? { zone: init.zone } : {}),
    ...(init.terminating ? { terminating: true } : {}),
  };
  return Object.freeze(b);
}

/**
 * An immutable snapshot of the backends to balance over. Discovery builds a new one on every
 * change and pushes it; the proxy swaps it in atomically, so a request never sees half an update.
 */
export class BackendSet {
  readonly backends: readonly Backend[];
  private readonly byId: ReadonlyMap<string, Backend>;

  constructor(
    backends: readonly Backend[],
    readonly version = 0,
  ) {
    // Dedupe by id, first wins: an address can appear in two EndpointSlices during an update.
    const byId = new Map<string, Backend>();
    for (const b of backends) if (!byId.has(b.id)) byId.set(b.id, b);
    this.byId = byId;
    this.backends = Object.freeze([...byId.values()]);
  }

  static readonly EMPTY = new BackendSet([]);

  get size(): number {
    return this.backends.length;
  }

  get(id: string): Backend | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}
