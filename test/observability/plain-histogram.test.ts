import { Histogram, Registry } from 'prom-client';
import { PlainHistogram } from '../../src/observability/plain-histogram';
import { parsePrometheusText } from '../support/prometheus-text';

/** PlainHistogram renders exactly what prom-client's Histogram renders for the same data. */

const BUCKETS = [0.001, 0.005, 0.01, 0.5, 1];
// Values below, on and above bounds (le is inclusive), and beyond the last bound.
const VALUES: Array<[string, number]> = [
  ['a', 0.0001],
  ['a', 0.001],
  ['a', 0.003],
  ['b', 0.5],
  ['a', 100],
  ['b', 0.0101],
  ['a', 1],
];

async function render(registry: Registry) {
  const parsed = parsePrometheusText(await registry.metrics());
  const key = (s: { name: string; labels: Record<string, string> }) =>
    s.name + JSON.stringify(Object.entries(s.labels).sort());
  return {
    types: [...parsed.types],
    samples: parsed.samples.map((s) => [key(s), s.value] as const).sort(),
  };
}

test('same exposition as prom-client: cumulative buckets, +Inf, _sum and _count', async () => {
  const ref = new Registry();
  const h = new Histogram({
    name: 'x_seconds',
    help: 'h',
    labelNames: ['backend'],
    buckets: BUCKETS,
    registers: [ref],
  });
  const ours = new Registry();
  const p = new PlainHistogram('x_seconds', 'h', ['backend'], BUCKETS, ours);
  for (const [backend, v] of VALUES) {
    h.labels(backend).observe(v);
    p.cell([backend]).observe(v);
  }
  const [want, got] = [await render(ref), await render(ours)];
  expect(got.types).toEqual(want.types);
  expect(got.samples).toEqual(want.samples);
  expect(got.samples.length).toBe(2 * (BUCKETS.length + 1 + 2));

  // Removing a label set removes all its series.
  h.remove('a');
  p.remove(['a']);
  expect((await render(ours)).samples).toEqual((await render(ref)).samples);
});

test('an unlabelled histogram renders zeros before its first observation', async () => {
  const ours = new Registry();
  new PlainHistogram('y_seconds', 'h', [], BUCKETS, ours).cell();
  const text = await ours.metrics();
  expect(text).toContain('y_seconds_bucket{le="+Inf"} 0');
  expect(text).toContain('y_seconds_count 0');
});
