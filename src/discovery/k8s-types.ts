/**
 * The parts of the Kubernetes objects discovery reads, typed structurally so the pure logic needs
 * no import of the (ESM-only) client library. Every field is optional because objects arrive both
 * deserialized (from a LIST) and as raw JSON (from a watch), and because the API marks most of
 * them optional anyway. `null` is accepted where the API server may send it.
 */

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string> | null;
}

export interface ObjectReferenceLike {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** discovery.k8s.io/v1 EndpointConditions. */
export interface EndpointConditionsLike {
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
}

/** discovery.k8s.io/v1 Endpoint. */
export interface SliceEndpointLike {
  addresses?: string[] | null;
  conditions?: EndpointConditionsLike | null;
  targetRef?: ObjectReferenceLike | null;
  zone?: string | null;
  nodeName?: string | null;
}

/** discovery.k8s.io/v1 EndpointPort (also the shape of core/v1 EndpointPort). */
export interface EndpointPortLike {
  name?: string | null;
  port?: number | null;
  protocol?: string | null;
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface EndpointSliceLike {
  metadata?: ObjectMetaLike;
  addressType?: string;
  endpoints?: SliceEndpointLike[] | null;
  ports?: EndpointPortLike[] | null;
}

/** core/v1 EndpointAddress. */
export interface EndpointAddressLike {
  ip?: string;
  hostname?: string | null;
  nodeName?: string | null;
  targetRef?: ObjectReferenceLike | null;
}

/** core/v1 EndpointSubset. */
export interface EndpointSubsetLike {
  addresses?: EndpointAddressLike[] | null;
  notReadyAddresses?: EndpointAddressLike[] | null;
  ports?: EndpointPortLike[] | null;
}

/** core/v1 Endpoints. */
export interface EndpointsLike {
  metadata?: ObjectMetaLike;
  subsets?: EndpointSubsetLike[] | null;
}

export type IpFamily = 'IPv4' | 'IPv6';
export type AddressFamilySetting = 'auto' | IpFamily;

/** What the pure translators return: the backends plus anything an operator should hear about. */
export interface Translation<TSet> {
  readonly set: TSet;
  /** The family actually used; callers keep it so 'auto' does not flip between updates. */
  readonly family: IpFamily;
  /** Human-readable problems (ambiguous port, bad address); logged once per change. */
  readonly problems: readonly string[];
}
