import type * as K8s from '@kubernetes/client-node';
import { BackendSet } from '../balancer/backend';
import type { DiscoveryConfig } from '../config/types';
import { classifyApiError, type ApiErrorInfo } from './api-errors';
import { sameBackends } from './backend-set-equality';
import { backoffDelay, DEFAULT_BACKOFF, jittered, type BackoffPolicy } from './backoff';
import type { Discovery } from './discovery';
import { endpointSlicesToBackendSet } from './endpoint-slices';
import { endpointsToBackendSet } from './endpoints';
import type { EndpointSliceLike, EndpointsLike, IpFamily } from './k8s-types';
import {
  loadKubeClientLibrary,
  loadKubeConfig,
  resolveNamespace,
  SERVICE_ACCOUNT_DIR,
  type KubeClientLibrary,
} from './kube-client';
import { forbiddenHint } from './rbac';

/** pino-compatible: pass the process logger (or a child of it). */
export interface DiscoveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export type KubernetesMode = 'endpointslices' | 'endpoints';

/**
 * syncing: listing (first time, or a periodic relist); watching: listed and following the watch;
 * backoff: the API server failed or is unreachable, retrying; forbidden: RBAC said no, retrying.
 */
export type DiscoveryState = 'syncing' | 'watching' | 'backoff' | 'forbidden';

/** A snapshot for metrics and readiness. Times are epoch milliseconds, 0 when never. */
export interface KubernetesDiscoveryStatus {
  readonly state: DiscoveryState;
  readonly synced: boolean;
  /** Last watch event or successful list: its age is the "is the watch alive" metric. */
  readonly lastEventAt: number;
  /** Last successful list. */
  readonly lastSyncAt: number;
  /** BackendSets pushed. */
  readonly updates: number;
  /** Failed lists/watches (each retry counts). */
  readonly errors: number;
  readonly backends: number;
  readonly namespace: string;
  readonly service: string;
}

export interface KubernetesDiscoveryTuning {
  backoff?: BackoffPolicy;
  /** Relist period (jittered +-20%): the informer never notices a silently dead watch. */
  resyncMs?: number;
  /** After this long without errors since a list, the next error starts backoff from scratch. */
  healthyResetMs?: number;
  random?: () => number;
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
  library?: KubeClientLibrary;
}

type AnyObject = K8s.KubernetesObject;

interface Run {
  readonly generation: number;
  readonly informer: K8s.ListWatch<AnyObject>;
  readonly watches: Set<AbortController>;
  listed: boolean;
}

type Condition = 'ok' | 'unreachable' | 'forbidden';

const DEFAULT_RESYNC_MS = 5 * 60_000;

/**
 * Follows one Service's endpoints through the API server (list+watch informer) and pushes a
 * BackendSet on every effective change.
 *
 * The client's informer relists by itself on 410 Gone, but stops for good on any other error
 * (HTTP status or socket), so every error here ends the current informer and starts a fresh one
 * (list+watch) after exponential backoff with jitter. The last pushed set stays in force meanwhile:
 * an API server outage or an RBAC mistake must not empty the proxy. Every few minutes the informer
 * is replaced anyway, because a watch whose TCP connection died silently never ends by itself.
 */
export class KubernetesDiscovery implements Discovery {
  readonly kind: KubernetesMode;

  private readonly config: DiscoveryConfig;
  private readonly logger: DiscoveryLogger;
  private readonly backoff: BackoffPolicy;
  private readonly resyncMs: number;
  private readonly healthyResetMs: number;
  private readonly random: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly serviceAccountDir: string;
  private library: KubeClientLibrary | undefined;

  private kc: K8s.KubeConfig | undefined;
  private namespace = '';
  private onUpdate: ((set: BackendSet) => void) | undefined;
  private run: Run | undefined;
  private generation = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private recomputeScheduled = false;
  private attempt = 0;
  private condition: Condition = 'ok';
  private lastProblems = '';
  private family: IpFamily | undefined;
  private lastSet: BackendSet | undefined;
  private version = 0;

  private state: DiscoveryState = 'syncing';
  private isSynced = false;
  private lastEventAt = 0;
  private lastSyncAt = 0;
  private listedAt = 0;
  private updates = 0;
  private errors = 0;

  constructor(
    config: DiscoveryConfig,
    logger: DiscoveryLogger,
    tuning: KubernetesDiscoveryTuning = {},
  ) {
    if (config.mode !== 'endpointslices' && config.mode !== 'endpoints') {
      throw new Error(`KubernetesDiscovery cannot run discovery.mode "${config.mode}"`);
    }
    if (config.service === '') throw new Error('discovery.service is required in Kubernetes modes');
    this.kind = config.mode;
    this.config = config;
    this.logger = logger;
    this.backoff = tuning.backoff ?? DEFAULT_BACKOFF;
    this.resyncMs = tuning.resyncMs ?? DEFAULT_RESYNC_MS;
    this.healthyResetMs = tuning.healthyResetMs ?? 30_000;
    this.random = tuning.random ?? Math.random;
    this.env = tuning.env ?? process.env;
    this.serviceAccountDir = tuning.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    this.library = tuning.library;
  }

  get synced(): boolean {
    return this.isSynced;
  }

  /** The set in force (undefined before the first successful list). */
  get current(): BackendSet | undefined {
    return this.lastSet;
  }

  status(): KubernetesDiscoveryStatus {
    return {
      state: this.state,
      synced: this.isSynced,
      lastEventAt: this.lastEventAt,
      lastSyncAt: this.lastSyncAt,
      updates: this.updates,
      errors: this.errors,
      backends: this.lastSet?.size ?? 0,
      namespace: this.namespace,
      service: this.config.service,
    };
  }

  /**
   * Loads the client configuration and starts the informer. Resolves once started, not once
   * synced (readiness follows `synced`); rejects with a KubeConfigError when there is no usable
   * configuration at all.
   */
  async start(onUpdate: (set: BackendSet) => void): Promise<void> {
    if (this.onUpdate) throw new Error('KubernetesDiscovery already started');
    this.onUpdate = onUpdate;
    this.stopped = false;
    this.library ??= loadKubeClientLibrary();
    const { kc, source } = loadKubeConfig(this.library, this.config.kubeconfig, this.env);
    this.kc = kc;
    this.namespace = resolveNamespace(this.config.namespace, kc, this.serviceAccountDir);
    this.logger.info(
      {
        mode: this.kind,
        namespace: this.namespace,
        service: this.config.service,
        server: kc.getCurrentCluster()?.server,
        source,
      },
      'discovery: watching the API server',
    );
    this.startRun();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    await this.endRun();
  }

  // ---- informer lifecycle ------------------------------------------------------------------

  private startRun(): void {
    const lib = this.library;
    const kc = this.kc;
    if (!lib || !kc || this.stopped) return;
    const generation = ++this.generation;
    if (this.condition === 'ok') this.state = 'syncing';
    const watches = new Set<AbortController>();
    const isCurrent = (): boolean => !this.stopped && this.generation === generation;
    const watch = this.trackedWatch(lib, kc, watches, isCurrent);
    const { path, listFn, labelSelector, fieldSelector } = this.endpointsQuery(lib, kc);
    const listed = async (): Promise<K8s.KubernetesListObject<AnyObject>> => {
      const list = await listFn();
      // A stopped informer whose list was in flight would otherwise go on to open a watch.
      if (!isCurrent()) throw new Error('discovery: superseded list');
      // The informer applies the items right after this promise settles; act after that.
      setImmediate(() => this.onListed(generation));
      return list;
    };
    const informer = new lib.ListWatch<AnyObject>(
      path,
      watch,
      listed,
      false,
      labelSelector,
      fieldSelector,
    );
    const run: Run = { generation, informer, watches, listed: false };
    this.run = run;
    const onChange = (): void => {
      if (!isCurrent()) return;
      this.lastEventAt = Date.now();
      this.scheduleRecompute();
    };
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('delete', onChange);
    informer.on('error', (err: unknown) => {
      if (isCurrent()) this.onError(err);
    });
    informer.start().catch((err: unknown) => {
      if (isCurrent()) this.onError(err);
    });
  }

  /**
   * The client's Watch, with two additions: each event refreshes lastEventAt (the dead-watch
   * metric), and a watch that connects after its informer was replaced is aborted at once
   * (the informer only learns the AbortController after the response head arrives, so stopping
   * it while connecting would leak the connection).
   */
  private trackedWatch(
    lib: KubeClientLibrary,
    kc: K8s.KubeConfig,
    watches: Set<AbortController>,
    isCurrent: () => boolean,
  ): K8s.Watch {
    const touch = (): void => {
      if (isCurrent()) this.lastEventAt = Date.now();
    };
    const opened = (): void => this.onWatchOpen();
    class TrackedWatch extends lib.Watch {
      override async watch(
        path: string,
        query: Record<string, string | number | boolean | undefined>,
        callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
        done: (err: unknown) => void,
      ): Promise<AbortController> {
        // done() may run before super.watch() resolves (a failed connect), hence the flag.
        let controller: AbortController | undefined = undefined;
        let finished = false;
        try {
          controller = await super.watch(
            path,
            query,
            (phase, obj, raw) => {
              touch();
              callback(phase, obj, raw);
            },
            (err) => {
              finished = true;
              if (controller) watches.delete(controller);
              done(err);
            },
          );
        } catch (err) {
          // Building the request failed (e.g. an unreadable token file). The informer would let
          // this reject unobserved when it re-watches from its done callback; report it through
          // done() instead, so it becomes an informer error and a retry like any other.
          if (!finished) {
            finished = true;
            done(err);
          }
          return new AbortController();
        }
        if (!isCurrent()) controller.abort();
        else if (!finished) {
          watches.add(controller);
          opened();
        }
        return controller;
      }
    }
    return new TrackedWatch(kc);
  }

  private endpointsQuery(
    lib: KubeClientLibrary,
    kc: K8s.KubeConfig,
  ): {
    path: string;
    listFn: () => Promise<K8s.KubernetesListObject<AnyObject>>;
    labelSelector?: string;
    fieldSelector?: string;
  } {
    const ns = this.namespace;
    const service = this.config.service;
    const nsPath = encodeURIComponent(ns);
    if (this.kind === 'endpointslices') {
      const api = kc.makeApiClient(lib.DiscoveryV1Api);
      // The EndpointSlice controller labels every slice of a Service with its name.
      const labelSelector = `kubernetes.io/service-name=${service}`;
      return {
        path: `/apis/discovery.k8s.io/v1/namespaces/${nsPath}/endpointslices`,
        listFn: () => api.listNamespacedEndpointSlice({ namespace: ns, labelSelector }),
        labelSelector,
      };
    }
    const api = kc.makeApiClient(lib.CoreV1Api);
    // A Service's Endpoints object has the Service's name.
    const fieldSelector = `metadata.name=${service}`;
    return {
      path: `/api/v1/namespaces/${nsPath}/endpoints`,
      listFn: () => api.listNamespacedEndpoints({ namespace: ns, fieldSelector }),
      fieldSelector,
    };
  }

  private async endRun(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    this.generation += 1;
    if (!run) return;
    for (const c of run.watches) c.abort();
    run.watches.clear();
    await run.informer.stop().catch(() => undefined);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.retryTimer = undefined;
    this.resyncTimer = undefined;
  }

  private onListed(generation: number): void {
    const run = this.run;
    if (this.stopped || !run || run.generation !== generation) return;
    const now = Date.now();
    run.listed = true;
    this.isSynced = true;
    this.lastSyncAt = now;
    this.lastEventAt = now;
    this.listedAt = now;
    // `attempt` is not reset here: when LIST works but WATCH keeps failing, the retries must
    // still back off. It restarts once a list has stayed healthy for healthyResetMs (onError).
    this.scheduleRecompute();
    this.armResync();
  }

  /**
   * The watch stream is open (200 and headers received): only now is the API server healthy
   * again. Declaring recovery on a successful LIST alone would log "recovered" and "lost" once
   * per retry when only the watch fails.
   */
  private onWatchOpen(): void {
    this.state = 'watching';
    if (this.condition !== 'ok') {
      this.logger.info(
        { namespace: this.namespace, service: this.config.service, after: this.condition },
        'discovery: API server reachable again, watch resumed',
      );
      this.condition = 'ok';
    }
  }

  private armResync(): void {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(
      () => {
        this.resyncTimer = undefined;
        if (this.stopped || this.retryTimer) return;
        this.logger.debug({ namespace: this.namespace }, 'discovery: periodic relist');
        void this.endRun().then(() => this.startRun());
      },
      jittered(this.resyncMs, this.random()),
    );
    this.resyncTimer.unref();
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    const info = classifyApiError(err);
    this.errors += 1;
    void this.endRun();
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    // A watch that ran fine for a while and then broke starts over at the short delay.
    if (this.listedAt > 0 && Date.now() - this.listedAt > this.healthyResetMs) this.attempt = 0;
    const delay = backoffDelay(this.attempt, this.random(), this.backoff);
    this.attempt += 1;
    const next: Condition = info.kind === 'forbidden' ? 'forbidden' : 'unreachable';
    this.state = next === 'forbidden' ? 'forbidden' : 'backoff';
    this.report(next, info, delay);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startRun();
    }, delay);
  }

  /** One warning per change of condition; each further retry is only a debug line. */
  private report(next: Condition, info: ApiErrorInfo, retryInMs: number): void {
    const fields = {
      namespace: this.namespace,
      service: this.config.service,
      status: info.status,
      err: info.message,
      retryInMs,
      synced: this.isSynced,
      keptBackends: this.lastSet?.size ?? 0,
    };
    if (next === this.condition) {
      this.logger.debug(fields, 'discovery: retry failed');
      return;
    }
    this.condition = next;
    if (next === 'forbidden') {
      this.logger.error(
        { ...fields, rbac: forbiddenHint(this.kind, this.namespace) },
        `discovery: ${forbiddenHint(this.kind, this.namespace)}`,
      );
    } else {
      this.logger.warn(
        fields,
        this.isSynced
          ? 'discovery: lost the API server watch; keeping the last known backends, retrying with backoff'
          : 'discovery: cannot list endpoints from the API server; not ready, retrying with backoff',
      );
    }
  }

  // ---- translation and push ----------------------------------------------------------------

  /** Coalesces the burst of callbacks a list or an update produces into one recompute. */
  private scheduleRecompute(): void {
    if (this.recomputeScheduled) return;
    this.recomputeScheduled = true;
    setImmediate(() => {
      this.recomputeScheduled = false;
      this.recompute();
    });
  }

  private recompute(): void {
    const run = this.run;
    if (this.stopped || !run || !run.listed) return;
    // The informer holds LIST items (deserialized) and watch objects (raw JSON); both have the
    // structural shape the translators read.
    const objects: readonly unknown[] = run.informer.list(this.namespace);
    const setting = this.family ?? this.config.addressFamily;
    let translation;
    if (this.kind === 'endpointslices') {
      const slices = objects as EndpointSliceLike[];
      translation = endpointSlicesToBackendSet(slices, {
        portName: this.config.portName,
        addressFamily: setting,
      });
      if (slices.some((s) => s.addressType === 'IPv4' || s.addressType === 'IPv6'))
        this.family = translation.family;
    } else {
      const eps = objects as EndpointsLike[];
      translation = endpointsToBackendSet(eps, {
        portName: this.config.portName,
        addressFamily: setting,
      });
      if (translation.set.size > 0) this.family = translation.family;
    }
    const problems = translation.problems.join('; ');
    if (problems !== this.lastProblems) {
      this.lastProblems = problems;
      if (problems !== '') {
        this.logger.warn(
          { namespace: this.namespace, service: this.config.service, problems },
          'discovery: skipped endpoints',
        );
      }
    }
    const next = translation.set;
    if (this.lastSet && sameBackends(this.lastSet, next)) return;
    this.version += 1;
    const set = new BackendSet(next.backends, this.version);
    this.lastSet = set;
    this.updates += 1;
    this.logger.info(
      {
        namespace: this.namespace,
        service: this.config.service,
        version: set.version,
        backends: set.backends.map((b) => (b.terminating ? `${b.id} (terminating)` : b.id)),
      },
      'discovery: backends updated',
    );
    try {
      this.onUpdate?.(set);
    } catch (err) {
      // A consumer bug must not kill the watch (this runs from a timer: it would crash).
      this.logger.error(
        { err: String(err), version: set.version },
        'discovery: applying a backend set failed',
      );
    }
  }
}
