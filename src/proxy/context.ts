import type { Balancer } from '../balancer/balancer';
import type { Resilience } from '../balancer/resilience';
import type { HttpCache } from '../cache/http-cache';
import type { Config } from '../config/types';
import type { CodecLimits } from '../http';
import type { AccessLog } from '../observability/access-log';
import type { Logger } from '../observability/logger';
import type { PoolRegistry } from '../upstream/pool';
import type { AddressMatcher } from './forwarding';
import type { ExchangeObserver } from './observer';

/** Counters read by the admin endpoints and metrics. */
export interface ProxyStats {
  requests: number;
  activeRequests: number;
  clientConnections: number;
  errors: number;
}

/** Everything an exchange needs, wired once by main.ts and shared by all connections. */
export interface ProxyContext {
  readonly config: Config;
  readonly codecLimits: CodecLimits;
  readonly balancer: Balancer;
  readonly pools: PoolRegistry;
  /** Health reports, retry budget and in-flight queue; absent in contexts built without it. */
  readonly resilience?: Resilience;
  readonly logger: Logger;
  /** One line per request, or null when access logging is off. */
  readonly accessLog: AccessLog | null;
  /** Trusted proxy ranges, or null when none are configured. */
  readonly trusted: AddressMatcher | null;
  readonly stats: ProxyStats;
  /** Metrics/tracing hooks, or null (then the data path pays one null check). */
  readonly observer: ExchangeObserver | null;
  /** The RFC 9111 cache, or null when disabled. */
  readonly cache: HttpCache | null;
  /** True after SIGTERM: responses carry Connection: close. */
  draining: boolean;
}

/** Facts about the client connection, supplied by whoever accepted it (TCP, later TLS/PROXY). */
export interface ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Whether the client spoke TLS to us: decides X-Forwarded-Proto. */
  readonly secure: boolean;
}
