/**
 * Command-line flags as a source of settings. Hand-written rather than util.parseArgs so that
 * every mistake (unknown flag, missing value, stray argument) becomes a ConfigProblem naming the
 * flag, and values go through the same kinds as env vars.
 *
 * Forms: `--flag value` and `--flag=value`; switches take no value. A flag given twice: the last
 * wins, except repeatable flags, which accumulate and REPLACE the file's/env's whole list.
 */
import type { ConfigProblem } from './errors';
import type { Setting } from './origin';
import { closest, CONFIG_FILE_ENV, fieldOf } from './schema';

type FlagForm =
  /** Takes one value for `key`. */
  | { form: 'value'; key: string; meta: string }
  /** May be repeated; the values together replace the list at `key`. */
  | { form: 'repeat'; key: string; meta: string }
  /** Takes no value; sets `key` from `text`. */
  | { form: 'switch'; key: string; text: string }
  /** Flags that are not config keys. */
  | { form: 'config-file'; meta: string }
  | { form: 'help' }
  | { form: 'version' };

export type FlagSpec = FlagForm & {
  readonly name: string;
  readonly alias?: string;
  readonly help: string;
};

export const FLAGS: readonly FlagSpec[] = [
  {
    name: '--config',
    form: 'config-file',
    meta: 'FILE',
    help: `YAML config file (env ${CONFIG_FILE_ENV})`,
  },
  {
    name: '--listen',
    form: 'value',
    key: 'listen',
    meta: 'HOST:PORT',
    help: 'proxy listener, e.g. 0.0.0.0:8080, [::]:8080, :8080',
  },
  {
    name: '--admin',
    form: 'value',
    key: 'admin',
    meta: 'HOST:PORT',
    help: 'admin listener (/healthz, /readyz)',
  },
  {
    name: '--backend',
    form: 'repeat',
    key: 'backends',
    meta: 'HOST:PORT',
    help: 'a backend; repeat for more; replaces the backends of file and env',
  },
  {
    name: '--strategy',
    form: 'value',
    key: 'strategy.name',
    meta: 'NAME',
    help: 'round-robin, weighted-round-robin, least-request or consistent-hash',
  },
  {
    name: '--log-level',
    form: 'value',
    key: 'log.level',
    meta: 'LEVEL',
    help: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    name: '--log-pretty',
    form: 'switch',
    key: 'log.pretty',
    text: 'true',
    help: 'human-readable logs instead of JSON lines',
  },
  {
    name: '--cache',
    form: 'switch',
    key: 'cache.enabled',
    text: 'true',
    help: 'enable the response cache',
  },
  {
    name: '--no-cache',
    form: 'switch',
    key: 'cache.enabled',
    text: 'false',
    help: 'disable the response cache',
  },
  {
    name: '--workers',
    form: 'value',
    key: 'limits.workers',
    meta: 'N',
    help: 'proxy processes sharing the listen port (default 1)',
  },
  {
    name: '--via-name',
    form: 'value',
    key: 'headers.viaName',
    meta: 'NAME',
    help: 'name added to Via (loop detection)',
  },
  {
    name: '--trusted-proxy',
    form: 'repeat',
    key: 'headers.trustedProxies',
    meta: 'CIDR',
    help: 'a trusted proxy range; repeat for more; replaces the configured list',
  },
  { name: '--help', alias: '-h', form: 'help', help: 'print this help and exit' },
  { name: '--version', alias: '-v', form: 'version', help: 'print the version and exit' },
];

export interface CliResult {
  readonly settings: Setting[];
  readonly problems: ConfigProblem[];
  readonly configFile?: string;
  readonly help: boolean;
  readonly version: boolean;
}

function findFlag(name: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.name === name || f.alias === name);
}

/** Parses argv (the arguments after the script, i.e. process.argv.slice(2)). Pure. */
export function parseCli(argv: readonly string[]): CliResult {
  const problems: ConfigProblem[] = [];
  const single = new Map<string, Setting>();
  const lists = new Map<string, { values: unknown[]; flag: string }>();
  let configFile: string | undefined;
  let help = false;
  let version = false;
  const problem = (flag: string, message: string): void => {
    problems.push({ key: flag, source: 'flag', message });
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      problem(arg, `unexpected argument '${arg}': rrproxy takes only flags (see --help)`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const spec = findFlag(name);
    if (spec === undefined) {
      const suggestion = closest(
        name,
        FLAGS.map((f) => f.name),
      );
      problem(
        name,
        `unknown flag '${name}'${suggestion === undefined ? ' (see --help)' : ` (did you mean '${suggestion}'?)`}`,
      );
      // Its value, if it had one, is not a second mistake worth reporting.
      const next = argv[i + 1];
      if (inline === undefined && next !== undefined && !next.startsWith('-')) i++;
      continue;
    }
    if (spec.form === 'help' || spec.form === 'version' || spec.form === 'switch') {
      if (inline !== undefined) {
        problem(spec.name, `flag '${spec.name}' takes no value`);
        continue;
      }
      if (spec.form === 'help') help = true;
      else if (spec.form === 'version') version = true;
      else convert(spec.name, spec.key, spec.text, 'value');
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      // "--listen --admin x" is a forgotten value, not a listen address of "--admin".
      if (next === undefined || next.startsWith('--')) {
        problem(spec.name, `flag '${spec.name}' needs a value (${spec.meta})`);
        continue;
      }
      value = next;
      i++;
    }
    if (spec.form === 'config-file') {
      if (value === '') problem(spec.name, `flag '${spec.name}' needs a file name`);
      else configFile = value;
    } else {
      convert(spec.name, spec.key, value, spec.form);
    }
  }

  function convert(flag: string, key: string, text: string, form: 'value' | 'repeat'): void {
    const spec = fieldOf(key);
    if (spec === undefined) throw new Error(`flag ${flag} names unknown config key ${key}`);
    const r = spec.kind.fromText(text);
    if (!r.ok) {
      problem(flag, `${flag} ${JSON.stringify(text)}: ${r.message}`);
      return;
    }
    if (form === 'value') {
      single.set(key, { key, value: r.value, origin: { source: 'flag', name: flag } });
    } else {
      const entry = lists.get(key) ?? { values: [], flag };
      entry.values.push(...(r.value as unknown[]));
      lists.set(key, entry);
    }
  }

  const settings: Setting[] = [...single.values()];
  for (const [key, { values, flag }] of lists) {
    settings.push({ key, value: values, origin: { source: 'flag', name: flag } });
  }
  return configFile === undefined
    ? { settings, problems, help, version }
    : { settings, problems, help, version, configFile };
}

/** The --help text, generated from FLAGS. */
export function usage(version: string): string {
  const left = (f: FlagSpec): string => {
    const names = f.alias === undefined ? f.name : `${f.alias}, ${f.name}`;
    return 'meta' in f ? `${names} ${f.meta}` : names;
  };
  const width = Math.max(...FLAGS.map((f) => left(f).length));
  const lines = FLAGS.map((f) => `  ${left(f).padEnd(width)}  ${f.help}`);
  return [
    `rrproxy ${version}: HTTP/1.1 reverse proxy and round-robin load balancer`,
    '',
    'Usage: rrproxy [--config FILE] [--listen HOST:PORT] [--backend HOST:PORT ...] [flags]',
    '',
    'Flags:',
    ...lines,
    '',
    'Every config key can also be set by an environment variable named RRPROXY_ + its path in',
    'UPPER_SNAKE_CASE (timeouts.responseHeader -> RRPROXY_TIMEOUTS_RESPONSE_HEADER; lists are',
    'comma-separated). Precedence: flags > environment > config file > defaults.',
    'Durations: 500ms, 30s, 2m, 1h (a bare number is milliseconds). Sizes: 64KiB, 100MiB, 10KB.',
    '',
  ].join('\n');
}
