/**
 * The config.yaml the chart renders into its ConfigMap is loaded by the proxy's own loader, exactly
 * as `node dist/main.js --config /etc/rrproxy/config.yaml` would in the pod, and means what the
 * manifests around it assume (ports, discovery target, drain timing).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import type { Config } from '../../src/config';
import {
  container,
  containerPort,
  ensureTools,
  FETCH_TIMEOUT_MS,
  find,
  get,
  helmTemplate,
  list,
  num,
  str,
  type K8sObject,
  type RenderOptions,
} from './chart-harness';

beforeAll(ensureTools, FETCH_TIMEOUT_MS);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-chart-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadRendered(opts: RenderOptions): Promise<{ config: Config; docs: K8sObject[] }> {
  const docs = helmTemplate(opts).docs;
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, str(find(docs, 'ConfigMap', 'rrproxy-config'), 'data', 'config.yaml'));
  // No environment: the pod sets none of the RRPROXY_* variables.
  return { config: await loadConfig(['--config', file], {}), docs };
}

test('default values: accepted, listening where the container ports and probes point', async () => {
  const { config, docs } = await loadRendered({});
  const proxy = container(find(docs, 'Deployment', 'rrproxy'), 'proxy');
  expect(config.listen).toEqual({ host: '::', port: containerPort(proxy, 'http') });
  expect(config.admin).toEqual({ host: '::', port: containerPort(proxy, 'admin') });
  expect(config.discovery).toMatchObject({
    mode: 'endpointslices',
    namespace: 'demo',
    service: 'rrproxy-backend',
    portName: 'http',
  });
  expect(config.backends).toEqual([]);
  expect(config.timeouts.drain).toBe(25_000);
  expect(config.timeouts.shutdownDelay).toBe(0);
  const grace = num(
    find(docs, 'Deployment', 'rrproxy'),
    'spec',
    'template',
    'spec',
    'terminationGracePeriodSeconds',
  );
  expect(grace * 1000).toBeGreaterThan(config.timeouts.drain + config.timeouts.shutdownDelay);
  expect(config.cache.enabled).toBe(true); // on in the chart (issue 3); the binary default is off
  expect(config.cache.maxBytes).toBe(64 * 1024 * 1024);
  expect(config.log.level).toBe('info');
  expect(config.tracing.endpoint).toBe('');
});

test('endpoints mode, cache on, custom ports and drain: accepted and carried through', async () => {
  const { config, docs } = await loadRendered({
    set: {
      'discovery.mode': 'endpoints',
      'cache.enabled': true,
      'cache.maxBytes': '128MiB',
      'proxy.port': 9090,
      'proxy.adminPort': 9902,
      'proxy.drainSeconds': 40,
      'config.log.level': 'debug',
      'config.timeouts.connect': '2s',
      'jaeger.enabled': true,
    },
  });
  expect(config.discovery.mode).toBe('endpoints');
  expect(config.cache.enabled).toBe(true);
  expect(config.cache.maxBytes).toBe(128 * 1024 * 1024);
  expect(config.listen.port).toBe(9090);
  expect(config.admin.port).toBe(9902);
  expect(config.timeouts.drain).toBe(40_000);
  expect(config.timeouts.connect).toBe(2_000);
  expect(config.log.level).toBe('debug');
  const svc = find(docs, 'Service', 'rrproxy');
  const proxy = container(find(docs, 'Deployment', 'rrproxy'), 'proxy');
  expect(containerPort(proxy, String(get(list(svc, 'spec', 'ports')[0], 'targetPort')))).toBe(9090);
});

test('static mode with listed backends: accepted, no Kubernetes discovery', async () => {
  const { config } = await loadRendered({
    set: {
      'discovery.mode': 'static',
      'discovery.staticBackends[0].host': '10.0.0.7',
      'discovery.staticBackends[0].port': 8080,
      'discovery.staticBackends[1].host': '10.0.0.8',
      'discovery.staticBackends[1].port': 8080,
      'backends.enabled': false,
    },
  });
  expect(config.discovery.mode).toBe('static');
  expect(config.backends.map((b) => `${b.host}:${b.port}`)).toEqual([
    '10.0.0.7:8080',
    '10.0.0.8:8080',
  ]);
});

test('the purge token file in the config is the mounted Secret key', async () => {
  const { config, docs } = await loadRendered({});
  const deployment = find(docs, 'Deployment', 'rrproxy');
  const volume = list(deployment, 'spec', 'template', 'spec', 'volumes').find(
    (v) => get(v, 'secret', 'secretName') === 'rrproxy-purge-token',
  );
  const mount = list(container(deployment, 'proxy'), 'volumeMounts').find(
    (m) => get(m, 'name') === get(volume, 'name'),
  );
  expect(config.cache.purgeTokenFile).toBe(`${str(mount, 'mountPath')}/token`);
  expect(get(find(docs, 'Secret', 'rrproxy-purge-token'), 'data', 'token')).toEqual(
    expect.any(String),
  );
  const off = await loadRendered({ set: { 'cache.purgeToken.setConfigKey': false } });
  expect(off.config.cache.purgeTokenFile).toBe('');
});

test('a pass-through strategy reaches the loader', async () => {
  const { config } = await loadRendered({ set: { 'config.strategy': 'round-robin' } });
  expect(config.strategy).toEqual(expect.objectContaining({ name: 'round-robin' }));
});

test('tracing endpoint from values lands in the config', async () => {
  const { config } = await loadRendered({
    set: { 'tracing.endpoint': 'http://otel-collector:4318' },
  });
  expect(config.tracing.endpoint).toBe('http://otel-collector:4318');
});

test('the loader is strict: a misspelt pass-through key is refused (so this test can fail)', async () => {
  await expect(loadRendered({ set: { 'config.log.levl': 'debug' } })).rejects.toThrow(/levl/);
});
