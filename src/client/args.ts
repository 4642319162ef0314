import { isToken } from '../http/chars';
import { ClientError } from './errors';
import { parseHeaderArg, parseMethod, type UserHeader } from './request';
import type { Thresholds } from './stats';

/** Where the request body comes from. */
export type DataArg =
  | { readonly kind: 'literal'; readonly text: string }
  /** --data-binary @file is sent as is; -d @file drops CR and LF (curl's convention). */
  | { readonly kind: 'file'; readonly path: string; readonly stripNewlines: boolean }
  | { readonly kind: 'stdin'; readonly stripNewlines: boolean };

/** What both modes share: how to build and send one request. */
export interface RequestShape {
  readonly url: string;
  readonly method: string;
  readonly headers: readonly UserHeader[];
  readonly data: DataArg | null;
  /** -d sets a form Content-Type unless the user gave one (as curl does). */
  readonly formData: boolean;
  readonly proxy: string | null;
  readonly timeoutMs: number;
  readonly logFile: string | null;
}

export interface RequestOptions extends RequestShape {
  readonly include: boolean;
  readonly headOnly: boolean;
  readonly output: string | null;
  readonly outputDir: string | null;
  readonly verbose: boolean;
  readonly silent: boolean;
  readonly followRedirects: boolean;
  readonly maxRedirects: number;
  readonly fail: boolean;
}

export interface LoadOptions extends RequestShape {
  readonly requests: number;
  readonly concurrency: number;
  readonly backendHeader: string;
  readonly bodyPattern: RegExp | null;
  readonly json: boolean;
  readonly thresholds: Thresholds;
  readonly durationLimitMs: number | null;
}

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'request'; readonly options: RequestOptions }
  | { readonly kind: 'load'; readonly options: LoadOptions };

export const DEFAULT_TIMEOUT_S = 30;
export const DEFAULT_MAX_REDIRECTS = 10;
export const DEFAULT_BACKEND_HEADER = 'X-Backend';
export const DEFAULT_MAX_ERROR_RATE = 0.01;
export const DEFAULT_MAX_IMBALANCE = 1.5;

/** Options that take a value, by every spelling. */
const VALUE_OPTIONS = new Map<string, string>([
  ['-X', 'method'],
  ['--request', 'method'],
  ['-H', 'header'],
  ['--header', 'header'],
  ['-d', 'data'],
  ['--data', 'data'],
  ['--data-binary', 'data-binary'],
  ['-o', 'output'],
  ['--output', 'output'],
  ['--output-dir', 'output-dir'],
  ['--proxy', 'proxy'],
  ['-x', 'proxy'],
  ['--timeout', 'timeout'],
  ['-m', 'timeout'],
  ['--max-redirs', 'max-redirs'],
  ['--log', 'log'],
  ['-n', 'requests'],
  ['--requests', 'requests'],
  ['-c', 'concurrency'],
  ['--concurrency', 'concurrency'],
  ['--backend-header', 'backend-header'],
  ['--body-pattern', 'body-pattern'],
  ['--max-error-rate', 'max-error-rate'],
  ['--max-imbalance', 'max-imbalance'],
  ['--expect-backends', 'expect-backends'],
  ['--duration-limit', 'duration-limit'],
]);

const FLAG_OPTIONS = new Map<string, string>([
  ['-I', 'head'],
  ['--head', 'head'],
  ['-i', 'include'],
  ['--include', 'include'],
  ['-v', 'verbose'],
  ['--verbose', 'verbose'],
  ['-s', 'silent'],
  ['--silent', 'silent'],
  ['-L', 'location'],
  ['--location', 'location'],
  ['-f', 'fail'],
  ['--fail', 'fail'],
  ['--json', 'json'],
  ['-h', 'help'],
  ['--help', 'help'],
  ['-V', 'version'],
  ['--version', 'version'],
]);

const LOAD_ONLY = new Set([
  'requests',
  'concurrency',
  'backend-header',
  'body-pattern',
  'json',
  'max-error-rate',
  'max-imbalance',
  'expect-backends',
  'duration-limit',
]);
const REQUEST_ONLY = new Set([
  'head',
  'include',
  'output',
  'output-dir',
  'silent',
  'location',
  'fail',
  'max-redirs',
  'verbose',
]);

function usage(message: string): never {
  throw new ClientError('RRC_ERR_USAGE', message);
}

function positiveNumber(key: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0)
    usage(`--${key} takes a positive number, got '${v}'`);
  return n;
}

function positiveInt(key: string, v: string): number {
  if (!/^[0-9]+$/.test(v) || Number(v) < 1) usage(`--${key} takes a positive integer, got '${v}'`);
  return Number(v);
}

function nonNegativeInt(key: string, v: string): number {
  if (!/^[0-9]+$/.test(v)) usage(`--${key} takes a non-negative integer, got '${v}'`);
  return Number(v);
}

function dataArg(value: string, binary: boolean): DataArg {
  if (value.startsWith('@')) {
    const path = value.slice(1);
    if (path === '-') return { kind: 'stdin', stripNewlines: !binary };
    if (path === '')
      usage(`'${binary ? '--data-binary' : '-d'} @' needs a file name (or @- for stdin)`);
    return { kind: 'file', path, stripNewlines: !binary };
  }
  return { kind: 'literal', text: value };
}

/** Known methods typed in lower case as the first argument ("get URL") mean the upper-case method. */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'TRACE',
]);

/** Splits argv into (option key, value) pairs and positionals, expanding "-sL", "-XPOST", "--x=y". */
function tokenize(argv: readonly string[]): {
  opts: Array<[string, string]>;
  positionals: string[];
} {
  const opts: Array<[string, string]> = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      const flag = FLAG_OPTIONS.get(name);
      const valued = VALUE_OPTIONS.get(name);
      if (flag !== undefined) {
        if (eq !== -1) usage(`${name} takes no value`);
        opts.push([flag, '']);
      } else if (valued !== undefined) {
        if (eq !== -1) opts.push([valued, arg.slice(eq + 1)]);
        else if (i + 1 < argv.length) opts.push([valued, argv[++i]!]);
        else usage(`${name} needs a value`);
      } else usage(`unknown option ${name} (see --help)`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A cluster of short options: flags, and at most one valued option taking the rest.
      for (let k = 1; k < arg.length; k++) {
        const short = '-' + arg[k];
        const flag = FLAG_OPTIONS.get(short);
        const valued = VALUE_OPTIONS.get(short);
        if (flag !== undefined) opts.push([flag, '']);
        else if (valued !== undefined) {
          const rest = arg.slice(k + 1);
          if (rest !== '') opts.push([valued, rest]);
          else if (i + 1 < argv.length) opts.push([valued, argv[++i]!]);
          else usage(`${short} needs a value`);
          break;
        } else usage(`unknown option ${short} (see --help)`);
      }
      continue;
    }
    positionals.push(arg);
  }
  return { opts, positionals };
}

/** Parses the command line (without `node` and the script) into a Command. */
export function parseArgs(argv: readonly string[]): Command {
  const { opts, positionals } = tokenize(argv);
  const keys = new Set(opts.map(([k]) => k));
  if (keys.has('help')) return { kind: 'help' };
  if (keys.has('version')) return { kind: 'version' };
  const load = positionals[0] === 'load';
  const pos = load ? positionals.slice(1) : positionals;
  for (const k of keys) {
    if (!load && LOAD_ONLY.has(k))
      usage(`--${k} is a load-mode option (rrproxy-client load URL ...)`);
    if (load && REQUEST_ONLY.has(k)) usage(`--${k} is not available in load mode`);
  }

  let method: string | null = null;
  let url: string;
  if (pos.length === 0) usage('missing URL (see --help)');
  if (pos.length === 1) url = pos[0]!;
  else if (pos.length === 2 && !load) {
    const m = pos[0]!;
    method = parseMethod(KNOWN_METHODS.has(m.toUpperCase()) ? m.toUpperCase() : m);
    url = pos[1]!;
  } else usage(`unexpected arguments: ${pos.join(' ')}`);

  const headers: UserHeader[] = [];
  let data: DataArg | null = null;
  let formData = false;
  const values = new Map<string, string>();
  for (const [k, v] of opts) {
    switch (k) {
      case 'method':
        method = parseMethod(v);
        break;
      case 'header':
        headers.push(parseHeaderArg(v));
        break;
      case 'data':
      case 'data-binary': {
        const next = dataArg(v, k === 'data-binary');
        if (data !== null && data.kind === 'literal' && next.kind === 'literal') {
          // Repeated -d joins with '&' (curl), so forms can be given field by field.
          data = { kind: 'literal', text: `${data.text}&${next.text}` };
        } else if (data !== null) usage('only one request body can be given (-d / --data-binary)');
        else data = next;
        if (k === 'data') formData = true;
        break;
      }
      default:
        values.set(k, v);
    }
  }
  const headOnly = keys.has('head');
  if (headOnly && data !== null) usage('-I (HEAD) cannot send a body');
  const resolvedMethod = method ?? (headOnly ? 'HEAD' : data !== null ? 'POST' : 'GET');
  const timeoutS = values.has('timeout')
    ? positiveNumber('timeout', values.get('timeout')!)
    : DEFAULT_TIMEOUT_S;
  const shape: RequestShape = {
    url,
    method: resolvedMethod,
    headers,
    data,
    formData,
    proxy: values.get('proxy') ?? null,
    timeoutMs: Math.round(timeoutS * 1000),
    logFile: values.get('log') ?? null,
  };

  if (!load) {
    return {
      kind: 'request',
      options: {
        ...shape,
        include: keys.has('include'),
        headOnly: headOnly || resolvedMethod === 'HEAD',
        output: values.get('output') ?? null,
        outputDir: values.get('output-dir') ?? null,
        verbose: keys.has('verbose'),
        silent: keys.has('silent'),
        followRedirects: keys.has('location'),
        maxRedirects: values.has('max-redirs')
          ? nonNegativeInt('max-redirs', values.get('max-redirs')!)
          : DEFAULT_MAX_REDIRECTS,
        fail: keys.has('fail'),
      },
    };
  }

  if (values.has('backend-header') && values.has('body-pattern')) {
    usage('give either --backend-header or --body-pattern, not both');
  }
  let bodyPattern: RegExp | null = null;
  if (values.has('body-pattern')) {
    try {
      bodyPattern = new RegExp(values.get('body-pattern')!);
    } catch (err) {
      usage(`--body-pattern: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const rate = values.has('max-error-rate')
    ? Number(values.get('max-error-rate'))
    : DEFAULT_MAX_ERROR_RATE;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    usage(
      `--max-error-rate takes a fraction between 0 and 1, got '${values.get('max-error-rate')}'`,
    );
  }
  const imbalance = values.has('max-imbalance')
    ? positiveNumber('max-imbalance', values.get('max-imbalance')!)
    : DEFAULT_MAX_IMBALANCE;
  if (imbalance < 1) usage('--max-imbalance is a max/min ratio, at least 1');
  const backendHeader = values.get('backend-header') ?? DEFAULT_BACKEND_HEADER;
  if (!isToken(backendHeader)) usage(`invalid --backend-header '${backendHeader}'`);
  return {
    kind: 'load',
    options: {
      ...shape,
      requests: values.has('requests') ? positiveInt('requests', values.get('requests')!) : 100,
      concurrency: values.has('concurrency')
        ? positiveInt('concurrency', values.get('concurrency')!)
        : 10,
      backendHeader,
      bodyPattern,
      json: keys.has('json'),
      thresholds: {
        maxErrorRate: rate,
        maxImbalance: imbalance,
        expectBackends: values.has('expect-backends')
          ? positiveInt('expect-backends', values.get('expect-backends')!)
          : null,
      },
      durationLimitMs: values.has('duration-limit')
        ? Math.round(positiveNumber('duration-limit', values.get('duration-limit')!) * 1000)
        : null,
    },
  };
}
