import type { DiscoveryMode } from '../config/types';

export interface RbacRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** The exact Role rule discovery needs; the Helm chart ships the same one. */
export function requiredRule(mode: Exclude<DiscoveryMode, 'static'>): RbacRule {
  return mode === 'endpoints'
    ? { apiGroups: [''], resources: ['endpoints'], verbs: ['list', 'watch'] }
    : { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] };
}

/** One log line an operator can act on without reading our source. */
export function forbiddenHint(mode: Exclude<DiscoveryMode, 'static'>, namespace: string): string {
  const r = requiredRule(mode);
  const resource = r.apiGroups[0] ? `${r.resources[0]}.${r.apiGroups[0]}` : `${r.resources[0]}`;
  return (
    `the API server refused to list/watch ${resource} in namespace "${namespace}" (403 Forbidden): ` +
    `the proxy's service account needs a Role in "${namespace}" with the rule ` +
    `{apiGroups: ${JSON.stringify(r.apiGroups)}, resources: ${JSON.stringify(r.resources)}, ` +
    `verbs: ${JSON.stringify(r.verbs)}} and a RoleBinding to it`
  );
}
