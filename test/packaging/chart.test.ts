/**
 * The Helm chart, rendered by the real helm binary and checked document by document: schema
 * validity, RBAC exactly matching discovery, probes on the admin paths, ports agreeing across
 * Service / Deployment / NetworkPolicy / config, shutdown timing, security context, hooks.
 */
import { parse } from 'yaml';
import {
  container,
  containerPort,
  ensureTools,
  FETCH_TIMEOUT_MS,
  find,
  findAll,
  get,
  helmLint,
  helmNotes,
  helmTemplate,
  helmTemplateError,
  kindName,
  list,
  num,
  str,
  validateManifestFiles,
  validateManifests,
  type K8sObject,
  type Rendered,
  type RenderOptions,
} from './chart-harness';

beforeAll(ensureTools, FETCH_TIMEOUT_MS);

/** Value sets the chart must render and validate with. */
const VARIANTS: Record<string, RenderOptions> = {
  defaults: {},
  endpoints: { set: { 'discovery.mode': 'endpoints' } },
  static: {
    set: {
      'discovery.mode': 'static',
      'discovery.staticBackends[0].host': '10.0.0.7',
      'discovery.staticBackends[0].port': 8080,
      'backends.enabled': false,
    },
  },
  everything: {
    set: {
      'jaeger.enabled': true,
      'cache.enabled': true,
      'podDisruptionBudget.enabled': true,
      'autoscaling.enabled': true,
      'service.type': 'NodePort',
      'service.nodePort': 30080,
      'backends.listenIPv6': true,
    },
  },
  oldCluster: { kubeVersion: '1.29.0' },
};

const rendered = new Map<string, Rendered>();
function render(variant: string): Rendered {
  let r = rendered.get(variant);
  if (!r) {
    r = helmTemplate(VARIANTS[variant]);
    rendered.set(variant, r);
  }
  return r;
}

const proxyDeployment = (docs: K8sObject[]): K8sObject => find(docs, 'Deployment', 'rrproxy');
const proxyContainer = (docs: K8sObject[]): K8sObject => container(proxyDeployment(docs), 'proxy');
const proxyConfig = (docs: K8sObject[]): Record<string, unknown> =>
  parse(str(find(docs, 'ConfigMap', 'rrproxy-config'), 'data', 'config.yaml')) as Record<
    string,
    unknown
  >;

describe('helm lint --strict', () => {
  test.each(Object.keys(VARIANTS))('passes with %s values', (variant) => {
    const set = VARIANTS[variant]!.set;
    const r = helmLint(set);
    expect(r.output).toContain('0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  test('values.schema.json rejects a misspelt key and a chart-owned config key', () => {
    expect(helmLint({ 'proxy.replica': 2 }).status).not.toBe(0);
    expect(helmLint({ 'discovery.mode': 'dns' }).status).not.toBe(0);
    expect(helmLint({ 'config.listen.port': 1 }).status).not.toBe(0);
    expect(helmLint({ 'config.timeouts.drain': '10s' }).status).not.toBe(0);
  });
});

describe('rendered documents', () => {
  test('every document of every variant is valid against the Kubernetes OpenAPI schemas', () => {
    // One validator process for all variants (it loads the schemas once); errors name the file.
    const files = Object.keys(VARIANTS).map((variant) => ({
      name: `${variant}.yaml`,
      text: render(variant).text,
    }));
    const result = validateManifestFiles(files);
    expect(result.errors).toEqual([]);
    const total = Object.keys(VARIANTS).reduce((n, v) => n + render(v).docs.length, 0);
    expect(result.documents).toBe(total);
    expect(render('defaults').docs.length).toBeGreaterThan(10);
  });

  test('the validator is not a no-op: a misspelt field and a wrong type are reported', () => {
    const text = render('defaults')
      .text.replace('readOnlyRootFilesystem: true', 'readOnlyRootFileSystem: true')
      .replace(/containerPort: 9901/, 'containerPort: "9901"');
    const errors = validateManifests(text).errors.join('\n');
    expect(errors).toMatch(/readOnlyRootFileSystem: unknown field/);
    expect(errors).toMatch(/containerPort/);
  });

  test.each(Object.keys(VARIANTS))('%s: every object carries the standard labels', (variant) => {
    for (const doc of render(variant).docs) {
      const labels = get(doc, 'metadata', 'labels');
      expect({ doc: kindName(doc), labels }).toEqual({
        doc: kindName(doc),
        labels: expect.objectContaining({
          'app.kubernetes.io/name': 'rrproxy',
          'app.kubernetes.io/instance': 'rrproxy',
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/component': expect.any(String),
          'app.kubernetes.io/version': expect.any(String),
          'helm.sh/chart': expect.stringMatching(/^rrproxy-/),
        }),
      });
    }
  });

  test.each(Object.keys(VARIANTS))(
    '%s: each Service selects the pods of exactly one workload',
    (variant) => {
      const docs = render(variant).docs;
      const workloads = [...findAll(docs, 'Deployment'), ...findAll(docs, 'Job')];
      for (const svc of findAll(docs, 'Service')) {
        const selector = get(svc, 'spec', 'selector') as Record<string, string>;
        const matching = workloads.filter((w) => {
          const podLabels = get(w, 'spec', 'template', 'metadata', 'labels') as Record<
            string,
            string
          >;
          return Object.entries(selector).every(([k, v]) => podLabels[k] === v);
        });
        expect({ svc: kindName(svc), matching: matching.map(kindName) }).toEqual({
          svc: kindName(svc),
          matching: [expect.stringMatching(/^Deployment\//)],
        });
        // Every targetPort names a port of that workload's container.
        const ports = list(matching[0], 'spec', 'template', 'spec', 'containers').flatMap((c) =>
          list(c, 'ports').map((p) => get(p, 'name')),
        );
        for (const p of list(svc, 'spec', 'ports')) expect(ports).toContain(get(p, 'targetPort'));
      }
    },
  );
});

describe('RBAC grants exactly what discovery uses', () => {
  const rulesOf = (docs: K8sObject[]): unknown =>
    get(find(docs, 'Role', 'rrproxy-discovery'), 'rules');

  test('endpointslices mode: list and watch on discovery.k8s.io endpointslices only', () => {
    expect(rulesOf(render('defaults').docs)).toEqual([
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ]);
  });

  test('endpoints mode: list and watch on core endpoints only', () => {
    expect(rulesOf(render('endpoints').docs)).toEqual([
      { apiGroups: [''], resources: ['endpoints'], verbs: ['list', 'watch'] },
    ]);
  });

  test('static mode: no Role, no RoleBinding, no token mounted', () => {
    const docs = render('static').docs;
    expect(findAll(docs, 'Role')).toEqual([]);
    expect(findAll(docs, 'RoleBinding')).toEqual([]);
    expect(
      get(proxyDeployment(docs), 'spec', 'template', 'spec', 'automountServiceAccountToken'),
    ).toBe(false);
  });

  test('no ClusterRole anywhere; the binding ties the proxy ServiceAccount to the Role', () => {
    for (const variant of Object.keys(VARIANTS)) {
      const docs = render(variant).docs;
      expect(findAll(docs, 'ClusterRole')).toEqual([]);
      expect(findAll(docs, 'ClusterRoleBinding')).toEqual([]);
    }
    const docs = render('defaults').docs;
    const binding = find(docs, 'RoleBinding', 'rrproxy-discovery');
    const spec = get(proxyDeployment(docs), 'spec', 'template', 'spec');
    expect(get(binding, 'roleRef')).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'rrproxy-discovery',
    });
    expect(get(binding, 'subjects')).toEqual([
      { kind: 'ServiceAccount', name: str(spec, 'serviceAccountName'), namespace: 'demo' },
    ]);
    find(docs, 'ServiceAccount', str(spec, 'serviceAccountName'));
    expect(get(spec, 'automountServiceAccountToken')).toBe(true);
  });

  test('the Role lives in the watched namespace, which the config names', () => {
    const docs = helmTemplate({
      set: { 'discovery.namespace': 'shop', 'discovery.service': 'web' },
    }).docs;
    expect(get(find(docs, 'Role', 'rrproxy-discovery'), 'metadata', 'namespace')).toBe('shop');
    expect(get(find(docs, 'RoleBinding', 'rrproxy-discovery'), 'metadata', 'namespace')).toBe(
      'shop',
    );
    expect(get(proxyConfig(docs), 'discovery')).toEqual({
      mode: 'endpointslices',
      namespace: 'shop',
      service: 'web',
      portName: 'http',
      addressFamily: 'auto',
    });
  });
});

describe('the proxy Deployment', () => {
  test('probes hit /healthz and /readyz on the admin port the config binds on all addresses', () => {
    for (const variant of Object.keys(VARIANTS)) {
      const docs = render(variant).docs;
      const c = proxyContainer(docs);
      const cfg = proxyConfig(docs);
      const adminPort = num(cfg, 'admin', 'port');
      expect(get(cfg, 'admin', 'host')).toBe('::');
      for (const [probe, path] of [
        ['startupProbe', '/healthz'],
        ['livenessProbe', '/healthz'],
        ['readinessProbe', '/readyz'],
      ] as const) {
        expect(get(c, probe, 'httpGet', 'path')).toBe(path);
        expect(containerPort(c, str(c, probe, 'httpGet', 'port'))).toBe(adminPort);
      }
    }
  });

  test('ports agree across Service, container, NetworkPolicy and config, also when changed', () => {
    for (const opts of [
      {},
      { set: { 'proxy.port': 9090, 'proxy.adminPort': 9902, 'service.port': 8081 } },
    ]) {
      const docs = helmTemplate(opts).docs;
      const c = proxyContainer(docs);
      const cfg = proxyConfig(docs);
      const svcPorts = list(find(docs, 'Service', 'rrproxy'), 'spec', 'ports');
      expect(svcPorts).toHaveLength(1);
      expect(containerPort(c, str(svcPorts[0], 'targetPort'))).toBe(num(cfg, 'listen', 'port'));
      expect(containerPort(c, 'admin')).toBe(num(cfg, 'admin', 'port'));
      const policy = find(docs, 'NetworkPolicy', 'rrproxy-admin');
      const policyPorts = list(policy, 'spec', 'ingress').map((rule) =>
        num(list(rule, 'ports')[0], 'port'),
      );
      expect(policyPorts).toEqual([num(cfg, 'listen', 'port'), num(cfg, 'admin', 'port')]);
      const ann = get(proxyDeployment(docs), 'spec', 'template', 'metadata', 'annotations');
      expect(get(ann, 'prometheus.io/port')).toBe(String(num(cfg, 'admin', 'port')));
    }
    const changed = helmTemplate({ set: { 'proxy.port': 9090, 'service.port': 8081 } }).docs;
    expect(num(proxyConfig(changed), 'listen', 'port')).toBe(9090);
    expect(get(list(find(changed, 'Service', 'rrproxy'), 'spec', 'ports')[0], 'port')).toBe(8081);
  });

  test('the admin port is reachable only from the namespace and monitoring; the data port from anywhere', () => {
    const policy = find(render('defaults').docs, 'NetworkPolicy', 'rrproxy-admin');
    expect(get(policy, 'spec', 'policyTypes')).toEqual(['Ingress']);
    expect(get(policy, 'spec', 'podSelector', 'matchLabels')).toEqual(
      get(proxyDeployment(render('defaults').docs), 'spec', 'selector', 'matchLabels'),
    );
    const [data, admin] = list(policy, 'spec', 'ingress');
    expect(get(data, 'from')).toBeUndefined();
    expect(get(admin, 'from')).toEqual([
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
  });

  test('terminationGracePeriodSeconds covers preStop + shutdown delay + drain + margin', () => {
    const d = proxyDeployment(render('defaults').docs);
    expect(get(d, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds')).toBe(
      5 + 0 + 25 + 5,
    );
    const docs = helmTemplate({
      set: {
        'proxy.preStop.seconds': 10,
        'proxy.drainSeconds': 60,
        'proxy.shutdownDelaySeconds': 3,
        'proxy.terminationGraceMarginSeconds': 7,
      },
    }).docs;
    expect(
      get(proxyDeployment(docs), 'spec', 'template', 'spec', 'terminationGracePeriodSeconds'),
    ).toBe(80);
    const timeouts = get(proxyConfig(docs), 'timeouts');
    expect(get(timeouts, 'drain')).toBe('60s');
    expect(get(timeouts, 'shutdownDelay')).toBe('3s');
  });

  test('preStop: native sleep on Kubernetes >= 1.30, /bin/sleep exec before, or as chosen', () => {
    expect(get(proxyContainer(render('defaults').docs), 'lifecycle', 'preStop')).toEqual({
      sleep: { seconds: 5 },
    });
    expect(get(proxyContainer(render('oldCluster').docs), 'lifecycle', 'preStop')).toEqual({
      exec: { command: ['/bin/sleep', '5'] },
    });
    const forced = helmTemplate({
      set: { 'proxy.preStop.action': 'exec' },
      kubeVersion: '1.33.0',
    }).docs;
    expect(get(proxyContainer(forced), 'lifecycle', 'preStop', 'exec')).toBeDefined();
    expect(helmTemplateError({ set: { 'proxy.preStop.action': 'nap' } })).toMatch(/preStop/);
  });

  test('rolling updates never remove a ready proxy before its replacement is ready', () => {
    expect(get(proxyDeployment(render('defaults').docs), 'spec', 'strategy')).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  test('a config change rolls the pods (checksum annotation), an unrelated change does not', () => {
    const checksum = (docs: K8sObject[]): unknown =>
      get(proxyDeployment(docs), 'spec', 'template', 'metadata', 'annotations', 'checksum/config');
    const base = checksum(render('defaults').docs);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(helmTemplate({ set: { 'config.log.level': 'debug' } }).docs)).not.toBe(base);
    expect(checksum(helmTemplate({ set: { 'proxy.replicas': 4 } }).docs)).toBe(base);
  });

  test('runs the image entry point with the mounted config', () => {
    const docs = render('defaults').docs;
    const c = proxyContainer(docs);
    expect(get(c, 'command')).toEqual(['node', '/app/dist/main.js']);
    expect(get(c, 'args')).toEqual(['--config', '/etc/rrproxy/config.yaml']);
    const mount = list(c, 'volumeMounts').find((m) => get(m, 'mountPath') === '/etc/rrproxy');
    const volume = list(proxyDeployment(docs), 'spec', 'template', 'spec', 'volumes').find(
      (v) => get(v, 'name') === get(mount, 'name'),
    );
    expect(get(volume, 'configMap', 'name')).toBe('rrproxy-config');
  });

  test("the purge token comes from a Secret, the chart's or an existing one", () => {
    const docs = render('defaults').docs;
    const secret = find(docs, 'Secret', 'rrproxy-purge-token');
    expect(Buffer.from(str(secret, 'data', 'token'), 'base64').toString()).toMatch(
      /^[A-Za-z0-9]{40}$/,
    );
    const secretVolume = (d: K8sObject[]): unknown =>
      list(proxyDeployment(d), 'spec', 'template', 'spec', 'volumes').find(
        (v) => get(v, 'secret') !== undefined,
      );
    expect(get(secretVolume(docs), 'secret', 'secretName')).toBe('rrproxy-purge-token');
    const given = helmTemplate({ set: { 'cache.purgeToken.value': 's3cret' } }).docs;
    expect(
      Buffer.from(
        str(find(given, 'Secret', 'rrproxy-purge-token'), 'data', 'token'),
        'base64',
      ).toString(),
    ).toBe('s3cret');
    const existing = helmTemplate({ set: { 'cache.purgeToken.existingSecret': 'mine' } }).docs;
    expect(findAll(existing, 'Secret')).toEqual([]);
    expect(get(secretVolume(existing), 'secret', 'secretName')).toBe('mine');
  });
});

describe('security context of every container', () => {
  test.each(Object.keys(VARIANTS))(
    '%s: non-root, read-only root fs, no escalation, no capabilities',
    (variant) => {
      const docs = render(variant).docs;
      const workloads = [...findAll(docs, 'Deployment'), ...findAll(docs, 'Job')];
      expect(workloads.length).toBeGreaterThanOrEqual(2);
      for (const w of workloads) {
        const pod = get(w, 'spec', 'template', 'spec');
        expect({ w: kindName(w), nonRoot: get(pod, 'securityContext', 'runAsNonRoot') }).toEqual({
          w: kindName(w),
          nonRoot: true,
        });
        expect(get(pod, 'securityContext', 'runAsUser')).toEqual(expect.any(Number));
        for (const c of [...list(pod, 'containers'), ...list(pod, 'initContainers')]) {
          const sc = get(c, 'securityContext');
          expect({ c: `${kindName(w)}:${String(get(c, 'name'))}`, sc }).toEqual({
            c: `${kindName(w)}:${String(get(c, 'name'))}`,
            sc: expect.objectContaining({
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            }),
          });
        }
      }
    },
  );
});

describe('demo backends', () => {
  test('three nginx replicas behind the Service that discovery watches, by port name', () => {
    const docs = render('defaults').docs;
    const backend = find(docs, 'Deployment', 'rrproxy-backend');
    expect(get(backend, 'spec', 'replicas')).toBe(3);
    const svc = find(docs, 'Service', 'rrproxy-backend');
    const cfg = proxyConfig(docs);
    expect(get(cfg, 'discovery', 'service')).toBe('rrproxy-backend');
    const port = list(svc, 'spec', 'ports').find(
      (p) => get(p, 'name') === get(cfg, 'discovery', 'portName'),
    );
    expect(port).toBeDefined();
    expect(containerPort(container(backend, 'nginx'), str(port, 'targetPort'))).toBe(8080);
  });

  test('nginx config names the pod, sends no-store on the page and caches static files', () => {
    const cm = find(render('defaults').docs, 'ConfigMap', 'rrproxy-backend-nginx');
    const conf = str(cm, 'data', 'nginx.conf');
    expect(conf).toMatch(/location = \/ \{[^}]*Cache-Control "no-store" always;[^}]*\$hostname/s);
    expect(conf).toMatch(/location \/static\/ \{[^}]*Cache-Control "public, max-age=300" always;/s);
    expect(conf.match(/add_header X-Backend \$hostname always;/g)?.length).toBeGreaterThanOrEqual(
      4,
    );
    const files = find(render('defaults').docs, 'ConfigMap', 'rrproxy-backend-static');
    expect(Object.keys(get(files, 'binaryData') as object).sort()).toEqual([
      'data.bin',
      'logo.png',
    ]);
    const png = Buffer.from(str(files, 'binaryData', 'logo.png'), 'base64');
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });
});

describe('load Job (Helm hook)', () => {
  const job = (docs: K8sObject[]): K8sObject => find(docs, 'Job', 'rrproxy-load');

  test('runs after install and on `helm test`, replacing the previous Job', () => {
    const ann = get(job(render('defaults').docs), 'metadata', 'annotations');
    expect(get(ann, 'helm.sh/hook')).toBe('post-install,test');
    expect(get(ann, 'helm.sh/hook-delete-policy')).toBe('before-hook-creation');
    const testOnly = helmTemplate({ set: { 'loadTest.runOnInstall': false } }).docs;
    expect(get(job(testOnly), 'metadata', 'annotations', 'helm.sh/hook')).toBe('test');
    expect(findAll(helmTemplate({ set: { 'loadTest.enabled': false } }).docs, 'Job')).toEqual([]);
  });

  test('loads the proxy Service through the client and fails on errors or an uneven spread', () => {
    const docs = render('defaults').docs;
    const load = container(job(docs), 'load');
    const svcPort = num(list(find(docs, 'Service', 'rrproxy'), 'spec', 'ports')[0], 'port');
    expect(get(load, 'command')).toEqual(['node', '/app/dist/client/main.js']);
    expect(get(load, 'args')).toEqual([
      'load',
      `http://rrproxy:${svcPort}/`,
      '-n',
      '600',
      '-c',
      '6',
      '--backend-header',
      'X-Backend',
      '--json',
      '--max-error-rate',
      '0',
      '--max-imbalance',
      '1.25',
      '--expect-backends',
      '3',
      '--duration-limit',
      '120',
    ]);
    expect(get(job(docs), 'spec', 'template', 'spec', 'restartPolicy')).toBe('Never');
    const wait = container(job(docs), 'wait-for-backends');
    const env = Object.fromEntries(list(wait, 'env').map((e) => [get(e, 'name'), get(e, 'value')]));
    expect(env).toEqual({
      TARGET_URL: `http://rrproxy:${svcPort}/`,
      BACKEND_HEADER: 'X-Backend',
      EXPECT_BACKENDS: '3',
      WAIT_SECONDS: '180',
    });
  });
});

describe('optional parts', () => {
  test('Jaeger: the proxy exports OTLP/HTTP to the Jaeger Service port 4318', () => {
    const docs = render('everything').docs;
    const svc = find(docs, 'Service', 'rrproxy-jaeger');
    expect(list(svc, 'spec', 'ports').map((p) => get(p, 'port'))).toContain(4318);
    const env = list(proxyContainer(docs), 'env').find(
      (e) => get(e, 'name') === 'OTEL_EXPORTER_OTLP_ENDPOINT',
    );
    expect(get(env, 'value')).toBe('http://rrproxy-jaeger:4318');
    const none = list(proxyContainer(render('defaults').docs), 'env').map((e) => get(e, 'name'));
    expect(none).not.toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(findAll(render('defaults').docs, 'Deployment').map(kindName)).not.toContain(
      'Deployment/rrproxy-jaeger',
    );
  });

  test('PodDisruptionBudget and HPA target the proxy; with the HPA the Deployment leaves replicas alone', () => {
    const docs = render('everything').docs;
    const selector = get(proxyDeployment(docs), 'spec', 'selector', 'matchLabels');
    expect(
      get(find(docs, 'PodDisruptionBudget', 'rrproxy'), 'spec', 'selector', 'matchLabels'),
    ).toEqual(selector);
    expect(get(find(docs, 'HorizontalPodAutoscaler', 'rrproxy'), 'spec', 'scaleTargetRef')).toEqual(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'rrproxy',
      },
    );
    expect(get(proxyDeployment(docs), 'spec', 'replicas')).toBeUndefined();
    expect(get(proxyDeployment(render('defaults').docs), 'spec', 'replicas')).toBe(2);
    expect(findAll(render('defaults').docs, 'PodDisruptionBudget')).toEqual([]);
    expect(findAll(render('defaults').docs, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('Service type and nodePort are configurable', () => {
    const svc = find(render('everything').docs, 'Service', 'rrproxy');
    expect(get(svc, 'spec', 'type')).toBe('NodePort');
    expect(get(list(svc, 'spec', 'ports')[0], 'nodePort')).toBe(30080);
  });
});

describe('NOTES.txt', () => {
  test('tells how to reach the proxy, read the logs and run the Job; Jaeger only when on', () => {
    const notes = helmNotes();
    expect(notes).toContain('kubectl -n demo port-forward svc/rrproxy 8080:80');
    expect(notes).toContain('app.kubernetes.io/component=proxy -f');
    expect(notes).toContain('helm test rrproxy -n demo --logs');
    expect(notes).toContain('helm uninstall rrproxy -n demo');
    expect(notes).not.toContain('Jaeger');
    expect(helmNotes({ 'jaeger.enabled': true })).toContain(
      'port-forward svc/rrproxy-jaeger 16686:16686',
    );
  });
});
