/**
 * skaffold.yaml cannot run here (no skaffold, no cluster), so its references are checked against
 * what they point at: the Dockerfile, the chart, the values it sets, and the resources and ports
 * its port-forwards name in the chart rendered with those values.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  CHART,
  ensureTools,
  FETCH_TIMEOUT_MS,
  find,
  get,
  helmTemplate,
  list,
  ROOT,
  type K8sObject,
} from './chart-harness';

const skaffold = parse(readFileSync(path.join(ROOT, 'skaffold.yaml'), 'utf8')) as unknown;
const release = list(skaffold, 'deploy', 'helm', 'releases')[0]!;

beforeAll(ensureTools, FETCH_TIMEOUT_MS);

test('builds the image the chart runs, from the Dockerfile', () => {
  const artifacts = list(skaffold, 'build', 'artifacts');
  expect(artifacts).toHaveLength(1);
  const values = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as unknown;
  expect(get(artifacts[0], 'image')).toBe(get(values, 'image', 'repository'));
  expect(existsSync(path.join(ROOT, String(get(artifacts[0], 'docker', 'dockerfile'))))).toBe(true);
});

test('deploys the rrproxy chart with the built image as a native Helm release', () => {
  expect(String(get(skaffold, 'apiVersion'))).toMatch(/^skaffold\/v4beta\d+$/);
  const chart = parse(
    readFileSync(path.join(ROOT, String(get(release, 'chartPath')), 'Chart.yaml'), 'utf8'),
  ) as unknown;
  expect(get(chart, 'name')).toBe('rrproxy');
  expect(get(release, 'setValueTemplates')).toEqual({
    'image.repository': '{{.IMAGE_REPO_rrproxy}}',
    'image.tag': '{{.IMAGE_TAG_rrproxy}}',
  });
});

function renderAsSkaffold(): K8sObject[] {
  const set = {
    ...(get(release, 'setValues') as Record<string, string | number | boolean>),
    'image.repository': 'rrproxy',
    'image.tag': 'abc1234',
  };
  return helmTemplate({
    set,
    release: String(get(release, 'name')),
    namespace: String(get(release, 'namespace')),
  }).docs;
}

test('the values it sets are accepted by the chart schema, and port-forwards hit real ports', () => {
  const docs = renderAsSkaffold();
  const forwards = list(skaffold, 'portForward');
  expect(forwards.map((f) => get(f, 'localPort'))).toEqual([8080, 9901, 16686]);
  for (const f of forwards) {
    expect(get(f, 'namespace')).toBe(get(release, 'namespace'));
    const type = get(f, 'resourceType');
    const name = String(get(f, 'resourceName'));
    if (type === 'service') {
      const ports = list(find(docs, 'Service', name), 'spec', 'ports').map((p) => get(p, 'port'));
      expect({ name, ports }).toEqual({ name, ports: expect.arrayContaining([get(f, 'port')]) });
    } else {
      expect(type).toBe('deployment');
      const ports = list(
        find(docs, 'Deployment', name),
        'spec',
        'template',
        'spec',
        'containers',
      ).flatMap((c) => list(c, 'ports').map((p) => get(p, 'containerPort')));
      expect({ name, ports }).toEqual({ name, ports: expect.arrayContaining([get(f, 'port')]) });
    }
  }
});

test('the kind profile loads the image into the cluster instead of pushing, and activates on kind-*', () => {
  const kind = list(skaffold, 'profiles').find((p) => get(p, 'name') === 'kind');
  expect(get(kind, 'build', 'local', 'push')).toBe(false);
  const activation = list(kind, 'activation').map((a) => String(get(a, 'kubeContext')));
  expect(activation.some((re) => new RegExp(`^${re}$`).test('kind-kind'))).toBe(true);
  expect(activation.some((re) => new RegExp(`^${re}$`).test('gke_prod'))).toBe(false);
});
