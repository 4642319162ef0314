import { DEFAULT_CONFIG } from '../../src/config/defaults';
import type { TracingConfig } from '../../src/config/types';
import {
  describeSampler,
  resolveTracingSettings,
  tracesUrl,
} from '../../src/observability/tracing-settings';

const CFG: TracingConfig = DEFAULT_CONFIG.tracing;

describe('resolveTracingSettings', () => {
  test('off without any endpoint', () => {
    expect(resolveTracingSettings(CFG, {})).toBeNull();
    expect(resolveTracingSettings(CFG, { OTEL_SERVICE_NAME: 'x' })).toBeNull();
  });

  test('OTEL_EXPORTER_OTLP_ENDPOINT is a base: /v1/traces is appended', () => {
    const s = resolveTracingSettings(CFG, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' });
    expect(s).toMatchObject({
      url: 'http://c:4318/v1/traces',
      urlSource: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    });
    expect(tracesUrl('http://c:4318/')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('http://c:4318/v1/traces')).toBe('http://c:4318/v1/traces');
  });

  test('the traces-specific variable is a full URL, used as is, and wins over the base', () => {
    const s = resolveTracingSettings(CFG, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom',
    });
    expect(s?.url).toBe('http://c:4318/custom');
  });

  test('tracing.endpoint in the config wins over the environment', () => {
    const s = resolveTracingSettings(
      { ...CFG, endpoint: 'http://cfg:4318' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318' },
    );
    expect(s).toMatchObject({ url: 'http://cfg:4318/v1/traces', urlSource: 'config' });
  });

  test('OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none turn it off', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(resolveTracingSettings(CFG, { ...env, OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(resolveTracingSettings(CFG, { ...env, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
    expect(resolveTracingSettings(CFG, { ...env, OTEL_TRACES_EXPORTER: 'otlp' })).not.toBeNull();
  });

  test('service name: OTEL_SERVICE_NAME, then service.name in OTEL_RESOURCE_ATTRIBUTES, then config', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    const cfg = { ...CFG, serviceName: 'edge' };
    expect(resolveTracingSettings(cfg, env)?.serviceName).toBe('edge');
    expect(
      resolveTracingSettings(cfg, {
        ...env,
        OTEL_RESOURCE_ATTRIBUTES: 'a=b, service.name=shop%20gw',
      })?.serviceName,
    ).toBe('shop gw');
    expect(
      resolveTracingSettings(cfg, {
        ...env,
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=x',
        OTEL_SERVICE_NAME: 'named',
      })?.serviceName,
    ).toBe('named');
  });

  test('sampler: parent-based ratio from the config, OTEL_TRACES_SAMPLER(_ARG) override it', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    const cfg = { ...CFG, sampleRatio: 0.25 };
    const sampler = (extra: Record<string, string>) =>
      resolveTracingSettings(cfg, { ...env, ...extra })!.sampler;
    expect(sampler({})).toEqual({ parentBased: true, ratio: 0.25 });
    expect(sampler({ OTEL_TRACES_SAMPLER_ARG: '0.01' })).toEqual({
      parentBased: true,
      ratio: 0.01,
    });
    expect(sampler({ OTEL_TRACES_SAMPLER_ARG: 'nonsense' })).toEqual({
      parentBased: true,
      ratio: 0.25,
    });
    expect(sampler({ OTEL_TRACES_SAMPLER: 'always_off' })).toEqual({
      parentBased: false,
      ratio: 0,
    });
    expect(sampler({ OTEL_TRACES_SAMPLER: 'always_on' })).toEqual({ parentBased: false, ratio: 1 });
    expect(
      sampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }),
    ).toEqual({
      parentBased: false,
      ratio: 0.5,
    });
    expect(sampler({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' })).toEqual({
      parentBased: true,
      ratio: 1,
    });
  });

  test('describeSampler names the standard samplers', () => {
    expect(describeSampler({ parentBased: true, ratio: 1 })).toBe('parentbased_always_on');
    expect(describeSampler({ parentBased: true, ratio: 0.01 })).toBe(
      'parentbased_traceidratio(0.01)',
    );
    expect(describeSampler({ parentBased: false, ratio: 0 })).toBe('always_off');
  });

  test('a protocol other than http/json is reported as ignored', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(resolveTracingSettings(CFG, env)?.ignoredProtocol).toBeNull();
    expect(
      resolveTracingSettings(CFG, { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
        ?.ignoredProtocol,
    ).toBeNull();
    expect(
      resolveTracingSettings(CFG, { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })?.ignoredProtocol,
    ).toBe('grpc');
    expect(
      resolveTracingSettings(CFG, {
        ...env,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      })?.ignoredProtocol,
    ).toBe('http/protobuf');
  });
});
