import type { TracingConfig } from '../config/types';

/**
 * Effective tracing settings from the config file and the standard OTEL_* environment variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Pure: the
 * SDK is only loaded once this says tracing is on.
 *
 * Precedence: a set OTEL_* variable wins over the config file, as the OTel operator and most
 * deployments inject them; the config file covers the rest.
 */
export interface TracingSettings {
  /** Full OTLP/HTTP traces URL (…/v1/traces). */
  readonly url: string;
  /** Where the URL came from, for the startup log. */
  readonly urlSource:
    'config' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_EXPORTER_OTLP_ENDPOINT';
  readonly serviceName: string;
  readonly sampler: SamplerSpec;
  /** An OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL other than http/json, which is not honoured. */
  readonly ignoredProtocol: string | null;
}

/**
 * Sampling: a ratio of trace ids, optionally deferring to the parent's decision (the default:
 * an incoming sampled traceparent is always continued, so a trace is never half recorded).
 */
export interface SamplerSpec {
  readonly parentBased: boolean;
  /** 0..1: 1 is always on, 0 always off. */
  readonly ratio: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Whether tracing runs, and how; null when off (no endpoint, or disabled by OTEL_* vars). */
export function resolveTracingSettings(cfg: TracingConfig, env: Env): TracingSettings | null {
  if (truthy(env['OTEL_SDK_DISABLED'])) return null;
  if (listOf(env['OTEL_TRACES_EXPORTER']).includes('none')) return null;
  const endpoint = resolveEndpoint(cfg, env);
  if (endpoint === null) return null;
  return {
    ...endpoint,
    serviceName: resolveServiceName(cfg, env),
    sampler: resolveSampler(cfg, env),
    ignoredProtocol: ignoredProtocol(env),
  };
}

/** "parentbased_traceidratio(0.01)" style, for logs. */
export function describeSampler(s: SamplerSpec): string {
  if (s.ratio >= 1) return s.parentBased ? 'parentbased_always_on' : 'always_on';
  if (s.ratio <= 0) return s.parentBased ? 'parentbased_always_off' : 'always_off';
  return `${s.parentBased ? 'parentbased_' : ''}traceidratio(${s.ratio})`;
}

function resolveEndpoint(
  cfg: TracingConfig,
  env: Env,
): Pick<TracingSettings, 'url' | 'urlSource'> | null {
  if (cfg.endpoint !== '') return { url: tracesUrl(cfg.endpoint), urlSource: 'config' };
  const specific = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  // The signal-specific variable is the full URL, used as is (OTLP exporter spec).
  if (specific) return { url: specific, urlSource: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' };
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (base) return { url: tracesUrl(base), urlSource: 'OTEL_EXPORTER_OTLP_ENDPOINT' };
  return null;
}

/** The base endpoint plus the traces path, as the OTLP exporter spec builds it. */
export function tracesUrl(base: string): string {
  if (/\/v1\/traces\/?$/.test(base)) return base;
  return (base.endsWith('/') ? base : base + '/') + 'v1/traces';
}

function resolveServiceName(cfg: TracingConfig, env: Env): string {
  const explicit = env['OTEL_SERVICE_NAME']?.trim();
  if (explicit) return explicit;
  // OTEL_RESOURCE_ATTRIBUTES=service.name=... names it too (below OTEL_SERVICE_NAME).
  for (const pair of listOf(env['OTEL_RESOURCE_ATTRIBUTES'])) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === 'service.name') {
      const v = safeDecode(pair.slice(eq + 1).trim());
      if (v !== '') return v;
    }
  }
  return cfg.serviceName;
}

function resolveSampler(cfg: TracingConfig, env: Env): SamplerSpec {
  const arg = parseRatio(env['OTEL_TRACES_SAMPLER_ARG']);
  const ratio = arg ?? cfg.sampleRatio;
  switch (env['OTEL_TRACES_SAMPLER']?.trim().toLowerCase()) {
    case 'always_on':
      return { parentBased: false, ratio: 1 };
    case 'always_off':
      return { parentBased: false, ratio: 0 };
    case 'traceidratio':
      return { parentBased: false, ratio };
    case 'parentbased_always_on':
      return { parentBased: true, ratio: 1 };
    case 'parentbased_always_off':
      return { parentBased: true, ratio: 0 };
    default:
      // parentbased_traceidratio, unset, or a sampler we do not implement (jaeger_remote...).
      return { parentBased: true, ratio };
  }
}

/** The exporter sends OTLP/HTTP with JSON; a request for protobuf or gRPC is reported, not met. */
function ignoredProtocol(env: Env): string | null {
  const p = (
    env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL']
  )?.trim();
  return p === undefined || p === '' || p === 'http/json' ? null : p;
}

function parseRatio(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : null;
}

function truthy(raw: string | undefined): boolean {
  return raw !== undefined && raw.trim().toLowerCase() === 'true';
}

function listOf(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
