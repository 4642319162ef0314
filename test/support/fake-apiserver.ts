import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A fake Kubernetes API server on loopback for EndpointSlice / Endpoints discovery tests. It
 * speaks the wire protocol the way `@kubernetes/client-node` 1.4 uses it:
 *
 *   LIST  GET /apis/discovery.k8s.io/v1/namespaces/NS/endpointslices?labelSelector=...
 *   WATCH GET /apis/discovery.k8s.io/v1/namespaces/NS/endpointslices?watch=true&resourceVersion=RV&labelSelector=...
 *   (core/v1 Endpoints: /api/v1/namespaces/NS/endpoints, with fieldSelector=metadata.name=SVC)
 *
 * LIST answers carry `metadata.resourceVersion`; a watch is a chunked stream of JSON lines
 * `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}`. resourceVersion,
 * labelSelector (equality-based), fieldSelector (metadata.name / metadata.namespace),
 * allowWatchBookmarks and timeoutSeconds are honoured; a watch from a compacted resourceVersion
 * gets an ERROR event with a 410 Status, as etcd compaction makes the real one do.
 *
 * It is strict: a request it does not expect (another path, method or query parameter, a wrong
 * bearer token) is answered 400/401/404 and recorded in `problems`; tests call
 * `assertNoProblems()`. Every request is recorded in `requests`.
 *
 * TLS: by default it serves HTTPS with a throwaway self-signed certificate made by the `openssl`
 * CLI, and the kubeconfig it writes trusts exactly that certificate (certificate-authority-data),
 * as a real cluster's kubeconfig does. Without openssl (or with `tls: false`) it serves plain
 * HTTP and the kubeconfig sets `insecure-skip-tls-verify: true`, because the client refuses
 * http:// otherwise.
 */

export type ResourceName = 'endpointslices' | 'endpoints';
export type Verb = 'list' | 'watch';

export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Query parameters in the order sent. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly verb: Verb | 'unexpected';
  readonly resource?: ResourceName;
  readonly namespace?: string;
  /** Status sent (200 for a watch stream that started). */
  status: number;
  readonly at: number;
}

export interface FaultSpec {
  status: number;
  /** Only this verb; both when unset. */
  verb?: Verb;
  resource?: ResourceName;
  /** How many matching requests get the fault (default 1). */
  count?: number;
}

export interface FakeApiServerOptions {
  /** Serve HTTPS with a self-signed cert (default: when the openssl CLI is available). */
  tls?: boolean;
  /** Bearer token the kubeconfig carries and the server requires. */
  token?: string;
  host?: string;
  /** Identity named in 403 messages, like the real API server does. */
  user?: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
}

interface HistoryEvent {
  readonly rv: number;
  readonly resource: ResourceName;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: K8sObject;
  /** The state before a MODIFIED, to see an object enter or leave a watcher's selector. */
  readonly previous?: K8sObject;
}

/**
 * What a watcher filtered by a selector sees of an event, as the real server sends it: an object
 * modified into the selector is ADDED for that watcher, one modified out of it is DELETED.
 */
function eventFor(
  ev: HistoryEvent,
  matches: (o: K8sObject) => boolean,
): HistoryEvent['type'] | undefined {
  const now = matches(ev.object);
  if (ev.type !== 'MODIFIED') return now ? ev.type : undefined;
  const before = ev.previous !== undefined && matches(ev.previous);
  if (before && now) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

interface Watcher {
  readonly resource: ResourceName;
  readonly namespace: string;
  readonly matches: (o: K8sObject) => boolean;
  readonly bookmarks: boolean;
  readonly res: http.ServerResponse;
  /** A stalled watch stays open but never gets another byte: a silently dead connection. */
  stalled: boolean;
  readonly timer?: NodeJS.Timeout;
}

const RESOURCES: Record<
  ResourceName,
  { group: string; version: string; kind: string; prefix: string }
> = {
  endpointslices: {
    group: 'discovery.k8s.io',
    version: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    prefix: '/apis/discovery.k8s.io/v1/namespaces/',
  },
  endpoints: { group: '', version: 'v1', kind: 'Endpoints', prefix: '/api/v1/namespaces/' },
};

/** Query parameters the informer sends, plus the two the protocol defines that we honour. */
const ALLOWED_QUERY = new Set([
  'watch',
  'resourceVersion',
  'labelSelector',
  'fieldSelector',
  'allowWatchBookmarks',
  'timeoutSeconds',
]);

let certCache: { cert: string; key: string } | null | undefined;

/** A self-signed cert for 127.0.0.1/::1/localhost, or null when openssl is unavailable. */
export function selfSignedCert(): { cert: string; key: string } | null {
  if (certCache !== undefined) return certCache;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-apiserver-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=fake-apiserver',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    certCache = {
      cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
  } catch {
    certCache = null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return certCache;
}

type Requirement = { key: string; op: '=' | '!='; value: string };

/** Equality-based selectors (`a=b,c==d,e!=f`): what discovery uses. Anything else is a problem. */
export function parseSelector(s: string): Requirement[] | string {
  if (s === '') return [];
  const out: Requirement[] = [];
  for (const part of s.split(',')) {
    const m = /^\s*([A-Za-z0-9._/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$/.exec(part);
    if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) {
      return `unsupported selector "${s}"`;
    }
    out.push({ key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] });
  }
  return out;
}

function labelsMatch(reqs: Requirement[], o: K8sObject): boolean {
  const labels = o.metadata.labels ?? {};
  return reqs.every((r) => (r.op === '=' ? labels[r.key] === r.value : labels[r.key] !== r.value));
}

function fieldsMatch(reqs: Requirement[], o: K8sObject): boolean {
  return reqs.every((r) => {
    const v = r.key === 'metadata.name' ? o.metadata.name : o.metadata.namespace;
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}

function clone<T>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

export function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  410: 'Expired',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Unexpected requests and protocol misuse; a test fails when this is not empty. */
  readonly problems: string[] = [];
  readonly tls: boolean;
  readonly host: string;
  readonly token: string;
  readonly user: string;

  private readonly server: http.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly objects = new Map<ResourceName, Map<string, K8sObject>>([
    ['endpointslices', new Map()],
    ['endpoints', new Map()],
  ]);
  private readonly history: HistoryEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly faults: FaultSpec[] = [];
  private readonly forbidden = new Set<ResourceName>();
  private failingStatus: number | undefined;
  private rv = 100;
  /** Watches from a resourceVersion older than this get 410 Gone (etcd compaction). */
  private compactedRv = 0;
  private boundPort = 0;
  private uidSeq = 0;
  private listening = false;

  private constructor(options: FakeApiServerOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.token = options.token ?? 'fake-token-for-tests';
    this.user = options.user ?? 'system:serviceaccount:default:rrproxy';
    const cert = options.tls === false ? null : selfSignedCert();
    if (options.tls === true && !cert)
      throw new Error('fake-apiserver: tls requested but openssl failed');
    this.tls = cert !== null;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void =>
      this.handle(req, res);
    this.server = cert
      ? https.createServer({ cert: cert.cert, key: cert.key }, handler)
      : http.createServer(handler);
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  static async start(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const fake = new FakeApiServer(options);
    await fake.listen(options.port ?? 0);
    return fake;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.tls ? 'https' : 'http'}://${h}:${this.boundPort}`;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  get activeWatches(): number {
    return this.watchers.size;
  }

  /** Requests of one verb, in order (handy for asserting a relist happened). */
  requestsOf(verb: Verb): RecordedRequest[] {
    return this.requests.filter((r) => r.verb === verb);
  }

  assertNoProblems(): void {
    if (this.problems.length > 0) {
      throw new Error(`fake-apiserver saw unexpected requests:\n${this.problems.join('\n')}`);
    }
  }

  /** A kubeconfig YAML pointing at this server, exactly as one would point at a cluster. */
  kubeconfig(namespace = 'default'): string {
    const cert = this.tls ? selfSignedCert() : null;
    const clusterLines = cert
      ? `    certificate-authority-data: ${Buffer.from(cert.cert).toString('base64')}`
      : '    insecure-skip-tls-verify: true';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.url}`,
      clusterLines,
      'users:',
      '- name: fake',
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: fake',
      `    namespace: ${namespace}`,
      'current-context: fake',
      '',
    ].join('\n');
  }

  writeKubeconfig(file: string, namespace = 'default'): string {
    writeFileSync(file, this.kubeconfig(namespace));
    return file;
  }

  // ---- state -------------------------------------------------------------------------------

  /** Creates or replaces an object; watchers get ADDED or MODIFIED. Returns the stored copy. */
  apply(resource: ResourceName, object: K8sObject): K8sObject {
    const meta = RESOURCES[resource];
    const ns = object.metadata.namespace ?? 'default';
    const key = `${ns}/${object.metadata.name}`;
    const store = this.objectsOf(resource);
    const existing = store.get(key);
    this.rv += 1;
    const stored: K8sObject = clone({
      ...object,
      apiVersion: meta.version,
      kind: meta.kind,
      metadata: {
        ...object.metadata,
        namespace: ns,
        uid: existing?.metadata.uid ?? `uid-${++this.uidSeq}`,
        resourceVersion: String(this.rv),
      },
    });
    store.set(key, stored);
    this.emit(
      existing
        ? { rv: this.rv, resource, type: 'MODIFIED', object: stored, previous: existing }
        : { rv: this.rv, resource, type: 'ADDED', object: stored },
    );
    return clone(stored);
  }

  /** Deletes an object; watchers get DELETED with its last state. False when it did not exist. */
  remove(resource: ResourceName, name: string, namespace = 'default'): boolean {
    const store = this.objectsOf(resource);
    const key = `${namespace}/${name}`;
    const existing = store.get(key);
    if (!existing) return false;
    store.delete(key);
    this.rv += 1;
    const last = clone(existing);
    last.metadata.resourceVersion = String(this.rv);
    this.emit({ rv: this.rv, resource, type: 'DELETED', object: last });
    return true;
  }

  get(resource: ResourceName, name: string, namespace = 'default'): K8sObject | undefined {
    const o = this.objectsOf(resource).get(`${namespace}/${name}`);
    return o ? clone(o) : undefined;
  }

  // ---- faults ------------------------------------------------------------------------------

  /** The next `count` matching requests are answered with `status` and a Status body. */
  failNext(fault: FaultSpec): void {
    this.faults.push({ count: 1, ...fault });
  }

  /** Persistent 403 on list and watch of a resource (an RBAC Role missing), until lifted. */
  setForbidden(resource: ResourceName, forbidden = true): void {
    if (forbidden) this.forbidden.add(resource);
    else this.forbidden.delete(resource);
  }

  /** Persistent failure status for every request (e.g. 500), or undefined to heal. */
  setFailing(status: number | undefined): void {
    this.failingStatus = status;
  }

  /** Destroys every open watch connection without a word (a dropped TCP connection). */
  dropWatches(): number {
    const n = this.watchers.size;
    for (const w of [...this.watchers]) {
      this.endWatcher(w);
      w.res.destroy();
    }
    return n;
  }

  /**
   * Open watches stay connected but receive nothing more, as when a NAT or load balancer loses
   * the connection without a FIN or RST. Only a client-side timer can notice.
   */
  stallWatches(): number {
    for (const w of this.watchers) w.stalled = true;
    return this.watchers.size;
  }

  /**
   * Compacts history up to now, then ends every open watch with an ERROR event carrying a 410
   * Status, as the real server does when a watcher falls behind compaction. Clients must relist.
   */
  expireWatches(): number {
    this.compact();
    const n = this.watchers.size;
    for (const w of [...this.watchers]) {
      this.writeEvent(w, { type: 'ERROR', object: this.goneStatus() });
      this.endWatcher(w);
      w.res.end();
    }
    return n;
  }

  /** Forgets history: a later watch from an older resourceVersion gets 410. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  bookmark(): number {
    let n = 0;
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      const meta = RESOURCES[w.resource];
      this.writeEvent(w, {
        type: 'BOOKMARK',
        object: {
          kind: meta.kind,
          apiVersion: meta.version,
          metadata: { resourceVersion: String(this.rv) },
        },
      });
      n += 1;
    }
    return n;
  }

  /** Stops listening and cuts every connection: the API server is gone. */
  async goAway(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    for (const w of [...this.watchers]) this.endWatcher(w);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async comeBack(): Promise<void> {
    if (this.listening) return;
    await this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    await this.goAway();
  }

  // ---- internals ---------------------------------------------------------------------------

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.boundPort = addr.port;
    this.listening = true;
  }

  private objectsOf(resource: ResourceName): Map<string, K8sObject> {
    const m = this.objects.get(resource);
    if (!m) throw new Error(`unknown resource ${resource}`);
    return m;
  }

  private goneStatus(): Record<string, unknown> {
    return statusBody(
      410,
      'Expired',
      `too old resource version: ${this.compactedRv - 1} (${this.compactedRv})`,
    );
  }

  private emit(ev: HistoryEvent): void {
    this.history.push(ev);
    for (const w of this.watchers) {
      if (w.resource !== ev.resource) continue;
      if (ev.object.metadata.namespace !== w.namespace) continue;
      const type = eventFor(ev, w.matches);
      if (type) this.writeEvent(w, { type, object: ev.object });
    }
  }

  private writeEvent(w: Watcher, ev: { type: string; object: unknown }): void {
    if (w.stalled) return;
    if (!w.res.writableEnded && !w.res.destroyed) w.res.write(`${JSON.stringify(ev)}\n`);
  }

  private endWatcher(w: Watcher): void {
    if (w.timer) clearTimeout(w.timer);
    this.watchers.delete(w);
  }

  private reply(
    res: http.ServerResponse,
    rec: RecordedRequest,
    status: number,
    body: unknown,
  ): void {
    rec.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private failStatus(
    status: number,
    verb: Verb,
    resource: ResourceName,
    ns: string,
  ): Record<string, unknown> {
    const meta = RESOURCES[resource];
    if (status === 403) {
      const full = meta.group ? `${resource}.${meta.group}` : resource;
      return {
        ...statusBody(
          403,
          'Forbidden',
          `${full} is forbidden: User "${this.user}" cannot ${verb} resource "${resource}" in API group "${meta.group}" in the namespace "${ns}"`,
        ),
        details: { group: meta.group, kind: resource },
      };
    }
    if (status === 410) return this.goneStatus();
    return statusBody(
      status,
      REASONS[status] ?? 'InternalError',
      `fake-apiserver: injected ${status}`,
    );
  }

  private takeFault(verb: Verb, resource: ResourceName): number | undefined {
    if (this.failingStatus !== undefined) return this.failingStatus;
    if (this.forbidden.has(resource)) return 403;
    const i = this.faults.findIndex(
      (f) =>
        (f.verb === undefined || f.verb === verb) &&
        (f.resource === undefined || f.resource === resource),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (!f) return undefined;
    f.count = (f.count ?? 1) - 1;
    if (f.count <= 0) this.faults.splice(i, 1);
    return f.status;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = [...url.searchParams.entries()] as Array<[string, string]>;
    const watch = url.searchParams.get('watch');
    const isWatch = watch === 'true' || watch === '1';
    let resource: ResourceName | undefined;
    let namespace: string | undefined;
    for (const [name, meta] of Object.entries(RESOURCES) as Array<
      [ResourceName, (typeof RESOURCES)[ResourceName]]
    >) {
      if (!url.pathname.startsWith(meta.prefix)) continue;
      const rest = url.pathname.slice(meta.prefix.length).split('/');
      if (rest.length === 2 && rest[1] === name && rest[0]) {
        resource = name;
        namespace = decodeURIComponent(rest[0]);
      }
    }
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query,
      verb: resource ? (isWatch ? 'watch' : 'list') : 'unexpected',
      ...(resource ? { resource } : {}),
      ...(namespace ? { namespace } : {}),
      status: 0,
      at: Date.now(),
    };
    this.requests.push(rec);
    const problem = (status: number, what: string): void => {
      this.problems.push(`${req.method} ${req.url}: ${what}`);
      this.reply(res, rec, status, statusBody(status, REASONS[status] ?? 'BadRequest', what));
    };

    if (req.headers.authorization !== `Bearer ${this.token}`) {
      problem(401, `missing or wrong bearer token (${req.headers.authorization ?? 'none'})`);
      return;
    }
    if (!resource || namespace === undefined) {
      problem(404, 'unexpected path');
      return;
    }
    if (req.method !== 'GET') {
      problem(405, 'unexpected method');
      return;
    }
    for (const [k] of query) {
      if (!ALLOWED_QUERY.has(k)) {
        problem(400, `unexpected query parameter "${k}"`);
        return;
      }
    }
    if (watch !== null && !isWatch && watch !== 'false' && watch !== '0') {
      problem(400, `bad watch value "${watch}"`);
      return;
    }
    const labels = parseSelector(url.searchParams.get('labelSelector') ?? '');
    const fields = parseSelector(url.searchParams.get('fieldSelector') ?? '');
    if (typeof labels === 'string' || typeof fields === 'string') {
      problem(400, typeof labels === 'string' ? labels : String(fields));
      return;
    }
    if (fields.some((r) => r.key !== 'metadata.name' && r.key !== 'metadata.namespace')) {
      problem(400, 'unsupported fieldSelector field');
      return;
    }
    const rvParam = url.searchParams.get('resourceVersion') ?? '';
    if (rvParam !== '' && !/^\d+$/.test(rvParam)) {
      problem(400, `resourceVersion "${rvParam}" is not one this server issued`);
      return;
    }
    const verb: Verb = isWatch ? 'watch' : 'list';
    const fault = this.takeFault(verb, resource);
    if (fault !== undefined) {
      this.reply(res, rec, fault, this.failStatus(fault, verb, resource, namespace));
      return;
    }
    const matches = (o: K8sObject): boolean => labelsMatch(labels, o) && fieldsMatch(fields, o);
    if (isWatch) {
      this.startWatch(req, res, rec, resource, namespace, matches, rvParam);
    } else {
      this.serveList(res, rec, resource, namespace, matches, rvParam);
    }
  }

  private serveList(
    res: http.ServerResponse,
    rec: RecordedRequest,
    resource: ResourceName,
    namespace: string,
    matches: (o: K8sObject) => boolean,
    rvParam: string,
  ): void {
    // A LIST at an exact, compacted resourceVersion is 410 on the real server too.
    if (rvParam !== '' && rvParam !== '0' && Number(rvParam) < this.compactedRv) {
      this.reply(res, rec, 410, this.goneStatus());
      return;
    }
    const meta = RESOURCES[resource];
    const items = [...this.objectsOf(resource).values()]
      .filter((o) => o.metadata.namespace === namespace && matches(o))
      .map((o) => {
        // Items in a real list carry no kind/apiVersion.
        const { kind: _k, apiVersion: _a, ...rest } = o;
        return rest;
      });
    this.reply(res, rec, 200, {
      kind: `${meta.kind}List`,
      apiVersion: meta.version,
      metadata: { resourceVersion: String(this.rv) },
      items,
    });
  }

  private startWatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rec: RecordedRequest,
    resource: ResourceName,
    namespace: string,
    matches: (o: K8sObject) => boolean,
    rvParam: string,
  ): void {
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const timeoutParam = req.url
      ? new URL(req.url, 'http://fake').searchParams.get('timeoutSeconds')
      : null;
    const timeoutS = timeoutParam !== null ? Number(timeoutParam) : NaN;
    const timer =
      Number.isFinite(timeoutS) && timeoutS > 0
        ? setTimeout(() => {
            this.endWatcher(watcher);
            res.end();
          }, timeoutS * 1000)
        : undefined;
    const watcher: Watcher = {
      resource,
      namespace,
      matches,
      bookmarks:
        new URL(req.url ?? '/', 'http://fake').searchParams.get('allowWatchBookmarks') === 'true',
      res,
      stalled: false,
      ...(timer ? { timer } : {}),
    };
    res.once('close', () => this.endWatcher(watcher));
    if (rvParam === '' || rvParam === '0') {
      // "Start at most recent": synthetic ADDED for the current state, then changes.
      for (const o of this.objectsOf(resource).values()) {
        if (o.metadata.namespace === namespace && matches(o))
          this.writeEvent(watcher, { type: 'ADDED', object: o });
      }
    } else {
      const from = Number(rvParam);
      if (from < this.compactedRv) {
        this.writeEvent(watcher, { type: 'ERROR', object: this.goneStatus() });
        if (timer) clearTimeout(timer);
        res.end();
        return;
      }
      for (const ev of this.history) {
        if (ev.rv <= from || ev.resource !== resource) continue;
        if (ev.object.metadata.namespace !== namespace) continue;
        const type = eventFor(ev, matches);
        if (type) this.writeEvent(watcher, { type, object: ev.object });
      }
    }
    this.watchers.add(watcher);
  }
}

// ---- builders for test objects ------------------------------------------------------------

export interface SliceEndpointSpec {
  ip: string;
  pod?: string;
  zone?: string;
  /** undefined leaves the condition unset (which means ready). */
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export interface SliceSpec {
  name: string;
  service: string;
  namespace?: string;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  ports?: Array<{ name?: string; port: number; protocol?: string }>;
  endpoints: SliceEndpointSpec[];
}

/** An EndpointSlice as the EndpointSlice controller writes it. */
export function endpointSlice(spec: SliceSpec): K8sObject {
  return {
    metadata: {
      name: spec.name,
      namespace: spec.namespace ?? 'default',
      labels: {
        'kubernetes.io/service-name': spec.service,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType: spec.addressType ?? 'IPv4',
    ports: (spec.ports ?? [{ name: 'http', port: 8080 }]).map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol ?? 'TCP',
    })),
    endpoints: spec.endpoints.map((e) => {
      const conditions: Record<string, boolean> = {};
      if (e.ready !== undefined) conditions.ready = e.ready;
      if (e.serving !== undefined) conditions.serving = e.serving;
      if (e.terminating !== undefined) conditions.terminating = e.terminating;
      return {
        addresses: [e.ip],
        conditions,
        ...(e.pod
          ? { targetRef: { kind: 'Pod', name: e.pod, namespace: spec.namespace ?? 'default' } }
          : {}),
        ...(e.zone ? { zone: e.zone } : {}),
      };
    }),
  };
}

export interface EndpointsSpec {
  service: string;
  namespace?: string;
  ports?: Array<{ name?: string; port: number; protocol?: string }>;
  ready: Array<{ ip: string; pod?: string }>;
  notReady?: Array<{ ip: string; pod?: string }>;
}

/** A core/v1 Endpoints object as the endpoints controller writes it. */
export function endpointsObject(spec: EndpointsSpec): K8sObject {
  const ns = spec.namespace ?? 'default';
  const addr = (a: { ip: string; pod?: string }): Record<string, unknown> => ({
    ip: a.ip,
    ...(a.pod ? { targetRef: { kind: 'Pod', name: a.pod, namespace: ns } } : {}),
  });
  const subset: Record<string, unknown> = {
    ports: (spec.ports ?? [{ name: 'http', port: 8080 }]).map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: p.protocol ?? 'TCP',
    })),
  };
  if (spec.ready.length > 0) subset.addresses = spec.ready.map(addr);
  if (spec.notReady && spec.notReady.length > 0) subset.notReadyAddresses = spec.notReady.map(addr);
  return {
    metadata: { name: spec.service, namespace: ns },
    subsets: spec.ready.length > 0 || (spec.notReady?.length ?? 0) > 0 ? [subset] : [],
  };
}
