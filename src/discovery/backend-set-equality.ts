import type { Backend, BackendSet } from '../balancer/backend';

function key(b: Backend): string {
  return `${b.id}|${b.pod ?? ''}|${b.zone ?? ''}|${b.terminating ? 't' : ''}|${b.weight}`;
}

/**
 * True when two sets would balance identically (same backends with the same attributes, in any
 * order). Discovery pushes only real changes: a relist that finds the same pods must not make the
 * proxy swap its set and close pools for nothing.
 */
export function sameBackends(a: BackendSet, b: BackendSet): boolean {
  if (a.size !== b.size) return false;
  const keys = new Set(a.backends.map(key));
  return b.backends.every((x) => keys.has(key(x)));
}
