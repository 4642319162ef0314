import { BackendSet, backendId } from '../balancer/backend';
import { canonicalAddress, familyOf } from './address';
import {
  podName,
  selectEndpoints,
  sortedBackends,
  type EndpointCandidate,
} from './endpoint-slices';
import type { AddressFamilySetting, EndpointsLike, IpFamily, Translation } from './k8s-types';
import { pickPort } from './port-selection';

export interface EndpointsTranslationOptions {
  readonly portName: string;
  readonly addressFamily: AddressFamilySetting;
}

function resolveFamily(
  endpoints: readonly EndpointsLike[],
  setting: AddressFamilySetting,
): IpFamily {
  if (setting !== 'auto') return setting;
  for (const e of endpoints) {
    for (const subset of e.subsets ?? []) {
      for (const a of subset.addresses ?? []) {
        const f = a.ip ? familyOf(a.ip) : undefined;
        if (f) return f;
      }
    }
  }
  return 'IPv4';
}

/**
 * The same translation for core/v1 Endpoints (the fallback for clusters older than 1.21).
 * `addresses` are the ready ones. `notReadyAddresses` carry no serving/terminating conditions
 * (v1 Endpoints predates them), so nothing there is known to serve and none is ever used.
 * v1 Endpoints lists the Service's primary family only; the family filter still applies so a
 * fixed `addressFamily` behaves the same in both modes.
 */
export function endpointsToBackendSet(
  objects: readonly EndpointsLike[],
  options: EndpointsTranslationOptions,
): Translation<BackendSet> {
  const family = resolveFamily(objects, options.addressFamily);
  const problems: string[] = [];
  const byId = new Map<string, EndpointCandidate>();
  for (const obj of objects) {
    const name = obj.metadata?.name ?? '(unnamed)';
    (obj.subsets ?? []).forEach((subset, i) => {
      const addresses = subset.addresses ?? [];
      if (addresses.length === 0) return;
      const choice = pickPort(subset.ports, options.portName, `Endpoints ${name} subset ${i}`);
      if ('problem' in choice) {
        problems.push(choice.problem);
        return;
      }
      for (const a of addresses) {
        if (!a.ip || familyOf(a.ip) !== family) continue;
        const host = canonicalAddress(a.ip);
        const id = backendId(host, choice.port);
        if (byId.has(id)) continue;
        const pod = podName(a.targetRef);
        byId.set(id, {
          host,
          port: choice.port,
          ready: true,
          serving: true,
          terminating: false,
          ...(pod !== undefined ? { pod } : {}),
        });
      }
    });
  }
  const set = new BackendSet(sortedBackends(selectEndpoints([...byId.values()])));
  return { set, family, problems };
}
