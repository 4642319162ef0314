import { BackendSet, backendId, makeBackend, type Backend } from '../balancer/backend';
import { canonicalAddress, familyOf } from './address';
import type {
  AddressFamilySetting,
  EndpointSliceLike,
  IpFamily,
  ObjectReferenceLike,
  Translation,
} from './k8s-types';
import { pickPort } from './port-selection';

export interface SliceTranslationOptions {
  /** Service port name; '' means the only port. */
  readonly portName: string;
  /** A fixed family, or 'auto' for the family of the first slice seen. */
  readonly addressFamily: AddressFamilySetting;
}

/**
 * One endpoint of one slice, after the KEP-1669 condition defaults are applied:
 * `ready` and `serving` unset mean true, `terminating` unset means false.
 */
export interface EndpointCandidate {
  readonly host: string;
  readonly port: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly pod?: string;
  readonly zone?: string;
}

/**
 * 'auto' resolves to the addressType of the first IPv4/IPv6 slice in the order given (the order
 * the watch delivered them), else IPv4. The caller keeps the answer so one family sticks for the
 * life of the process: flipping families on a relist would swap every backend at once.
 */
export function resolveAddressFamily(
  slices: readonly EndpointSliceLike[],
  setting: AddressFamilySetting,
): IpFamily {
  if (setting !== 'auto') return setting;
  for (const s of slices) {
    if (s.addressType === 'IPv4' || s.addressType === 'IPv6') return s.addressType;
  }
  return 'IPv4';
}

export function podName(ref: ObjectReferenceLike | null | undefined): string | undefined {
  if (!ref || !ref.name) return undefined;
  return ref.kind === undefined || ref.kind === 'Pod' ? ref.name : undefined;
}

/**
 * Chooses which candidates receive new requests, as kube-proxy does (KEP-1669, "terminating
 * endpoints" KEP-1672): ready endpoints when there is at least one; only when none is ready, the
 * ones that are still serving while terminating (a rolling update where every old pod is already
 * draining must not turn into 503s). An endpoint that is not serving is never used.
 */
export function selectEndpoints(candidates: readonly EndpointCandidate[]): Backend[] {
  const ready = candidates.filter((c) => c.ready);
  const chosen = ready.length > 0 ? ready : candidates.filter((c) => c.serving && c.terminating);
  const fallback = ready.length === 0;
  return chosen.map((c) =>
    makeBackend({
      host: c.host,
      port: c.port,
      ...(c.pod !== undefined ? { pod: c.pod } : {}),
      ...(c.zone !== undefined ? { zone: c.zone } : {}),
      terminating: fallback,
    }),
  );
}

/** Backends in a stable order (by id), so equal memberships compare and balance the same. */
export function sortedBackends(backends: readonly Backend[]): Backend[] {
  return [...backends].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Merges every EndpointSlice of one Service into the BackendSet to balance over.
 *
 * - Slices of another family and `FQDN` slices are skipped: a dual-stack Service has one slice
 *   set per family, so keeping one family keeps one address per pod.
 * - The port is picked per slice: with a named targetPort, pods behind one Service port may
 *   listen on different numbers, and the controller then puts them in different slices.
 * - Only the first address of an endpoint is used; the API says they are fungible.
 * - An address that appears in two slices (it moves between slices during an update) counts
 *   once; slices are visited in name order so the survivor is deterministic.
 */
export function endpointSlicesToBackendSet(
  slices: readonly EndpointSliceLike[],
  options: SliceTranslationOptions,
): Translation<BackendSet> {
  const family = resolveAddressFamily(slices, options.addressFamily);
  const problems: string[] = [];
  const byId = new Map<string, EndpointCandidate>();
  const ordered = [...slices].sort((a, b) => {
    const an = a.metadata?.name ?? '';
    const bn = b.metadata?.name ?? '';
    return an < bn ? -1 : an > bn ? 1 : 0;
  });
  for (const slice of ordered) {
    if (slice.addressType !== family) continue;
    const endpoints = slice.endpoints ?? [];
    // The controller keeps an empty placeholder slice (no ports) for a Service without pods.
    if (endpoints.length === 0) continue;
    const where = `EndpointSlice ${slice.metadata?.name ?? '(unnamed)'}`;
    const choice = pickPort(slice.ports, options.portName, where);
    if ('problem' in choice) {
      problems.push(choice.problem);
      continue;
    }
    for (const ep of endpoints) {
      const raw = ep.addresses?.[0];
      if (raw === undefined) continue;
      if (familyOf(raw) !== family) {
        problems.push(`${where}: address "${raw}" is not an ${family} address`);
        continue;
      }
      const host = canonicalAddress(raw);
      const id = backendId(host, choice.port);
      if (byId.has(id)) continue;
      const pod = podName(ep.targetRef);
      byId.set(id, {
        host,
        port: choice.port,
        ready: ep.conditions?.ready ?? true,
        serving: ep.conditions?.serving ?? true,
        terminating: ep.conditions?.terminating ?? false,
        ...(pod !== undefined ? { pod } : {}),
        ...(ep.zone ? { zone: ep.zone } : {}),
      });
    }
  }
  const set = new BackendSet(sortedBackends(selectEndpoints([...byId.values()])));
  return { set, family, problems };
}
