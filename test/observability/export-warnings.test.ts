import { core, type tracing } from '@opentelemetry/sdk-node';
import { WarningSpanExporter } from '../../src/observability/export-warnings';

/** An inner exporter whose every export fails (or succeeds) at once. */
function fakeExporter(ok: () => boolean): tracing.SpanExporter {
  return {
    export: (_spans, cb) =>
      cb(
        ok()
          ? { code: core.ExportResultCode.SUCCESS }
          : { code: core.ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED') },
      ),
    shutdown: () => Promise.resolve(),
  };
}

const spans = (n: number) => new Array(n).fill({}) as tracing.ReadableSpan[];

test('a failing collector yields one warning per interval, counting what was dropped', () => {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  let now = 1_000_000;
  let ok = false;
  const exp = new WarningSpanExporter(
    fakeExporter(() => ok),
    { warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) },
    'http://127.0.0.1:9/v1/traces',
    60_000,
    () => now,
  );
  const results: number[] = [];
  const run = (n: number) => exp.export(spans(n), (r) => results.push(r.code));

  run(10);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.obj).toMatchObject({ droppedSpans: 10, failedExports: 1 });
  expect(warnings[0]!.obj['err']).toContain('ECONNREFUSED');

  // Within the interval: silent, but counted.
  for (let i = 0; i < 5; i++) {
    now += 5_000;
    run(2);
  }
  expect(warnings).toHaveLength(1);
  now += 60_000;
  run(1);
  expect(warnings).toHaveLength(2);
  expect(warnings[1]!.obj).toMatchObject({ droppedSpans: 11, failedExports: 6 });

  // Successes are silent; results reach the batch processor unchanged.
  ok = true;
  now += 120_000;
  run(3);
  expect(warnings).toHaveLength(2);
  expect(results.filter((c) => c === core.ExportResultCode.FAILED)).toHaveLength(7);
  expect(results[results.length - 1]).toBe(core.ExportResultCode.SUCCESS);
  expect(exp.failures).toBe(7);
});
