import type { BackendSet } from '../balancer/backend';

/**
 * Where backends come from. A discovery source pushes complete BackendSets; it knows nothing about
 * HTTP. `synced` becomes true after the first successful sync and feeds readiness.
 */
export interface Discovery {
  readonly kind: string;
  readonly synced: boolean;
  start(onUpdate: (set: BackendSet) => void): Promise<void>;
  stop(): Promise<void>;
}
