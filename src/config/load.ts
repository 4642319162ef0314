/**
 * The one loader of rrproxy's configuration.
 *
 *   loadConfig(argv, env): Promise<Config>
 *     argv is process.argv.slice(2). Sources, later ones winning key by key:
 *     DEFAULT_CONFIG < YAML file (--config FILE, else RRPROXY_CONFIG) < RRPROXY_* env < flags.
 *     Lists (backends, headers.trustedProxies) are replaced whole, never merged.
 *     Throws ConfigError (exitCode 2) listing every problem, each naming the key and its line,
 *     env var or flag. Throws CliExit (exitCode 0, `output` for stdout) for --help / --version.
 *
 *   loadConfigOrExit(argv, env): Promise<LoadOutcome>
 *     The same, with both throws turned into a value, so main can be:
 *       const r = await loadConfigOrExit(process.argv.slice(2), process.env);
 *       if (r.kind === 'exit') { (r.code === 0 ? process.stdout : process.stderr).write(r.output);
 *                                process.exitCode = r.code; return; }
 *       start(r.config);
 */
import { parseCli, usage } from './cli';
import { DEFAULT_CONFIG } from './defaults';
import { readEnv } from './env';
import { CliExit, ConfigError, type ConfigProblem } from './errors';
import { readConfigFile } from './file';
import { formatHostPort } from './kinds';
import { describeOrigin, type Origin, type Setting } from './origin';
import { readPackageVersion } from './package-version';
import { KUBERNETES_MODES, setPath } from './schema';
import type { Config } from './types';

export { CliExit, ConfigError } from './errors';
export type { ConfigProblem } from './errors';

export type LoadOutcome =
  { kind: 'config'; config: Config } | { kind: 'exit'; code: number; output: string };

export async function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Config> {
  const cli = parseCli(argv);
  // --help and --version win over mistakes elsewhere on the line, as in most CLIs.
  if (cli.help) throw new CliExit(usage(packageVersion()));
  if (cli.version) throw new CliExit(`rrproxy ${packageVersion()}\n`);

  const fromEnv = readEnv(env);
  const configFile = cli.configFile ?? fromEnv.configFile;
  const fromFile =
    configFile === undefined ? { settings: [], problems: [] } : await readConfigFile(configFile);

  const problems: ConfigProblem[] = [...fromFile.problems, ...fromEnv.problems, ...cli.problems];
  if (problems.length > 0) throw new ConfigError(problems);

  const { config, origins } = mergeSettings([fromFile.settings, fromEnv.settings, cli.settings]);
  const crossProblems = checkConfig(config, origins);
  if (crossProblems.length > 0) throw new ConfigError(crossProblems);
  return config;
}

export async function loadConfigOrExit(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<LoadOutcome> {
  try {
    return { kind: 'config', config: await loadConfig(argv, env) };
  } catch (err) {
    if (err instanceof CliExit) return { kind: 'exit', code: err.exitCode, output: err.output };
    if (err instanceof ConfigError) {
      return { kind: 'exit', code: err.exitCode, output: `rrproxy: ${err.message}\n` };
    }
    throw err;
  }
}

/** Applies settings in order onto a deep copy of the defaults (which are frozen). */
export function mergeSettings(layers: readonly (readonly Setting[])[]): {
  config: Config;
  origins: Map<string, Origin>;
} {
  const config = structuredClone(DEFAULT_CONFIG) as Config;
  const origins = new Map<string, Origin>();
  for (const layer of layers) {
    for (const s of layer) {
      setPath(config, s.key, s.value);
      origins.set(s.key, s.origin);
    }
  }
  return { config, origins };
}

/** Rules that involve more than one key; checked on the merged result. Pure. */
export function checkConfig(config: Config, origins: ReadonlyMap<string, Origin>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const originOf = (key: string): Origin => origins.get(key) ?? { source: 'default' };
  const problem = (key: string, message: string): void => {
    const o = originOf(key);
    problems.push({
      key,
      source: o.source === 'default' ? 'config' : o.source,
      ...(o.source === 'file' && o.line !== undefined ? { line: o.line } : {}),
      ...(o.source === 'file' && o.column !== undefined ? { column: o.column } : {}),
      message,
    });
  };
  const mode = config.discovery.mode;
  if (KUBERNETES_MODES.includes(mode)) {
    const modeWhere = describeOrigin(originOf('discovery.mode'));
    if (config.backends.length > 0) {
      problem(
        'backends',
        `backends ${describeOrigin(originOf('backends'))} cannot be combined with discovery.mode '${mode}' ` +
          `(${modeWhere}): Kubernetes discovery supplies the backends; remove one of them`,
      );
    }
    if (config.discovery.service === '') {
      problem(
        'discovery.mode',
        `discovery.mode '${mode}' ${modeWhere} requires discovery.service (the Service to watch)`,
      );
    }
  }
  if (config.cache.maxObjectBytes > config.cache.maxBytes) {
    problem(
      'cache.maxObjectBytes',
      `cache.maxObjectBytes ${describeOrigin(originOf('cache.maxObjectBytes'))} (${config.cache.maxObjectBytes}) ` +
        `exceeds cache.maxBytes (${config.cache.maxBytes})`,
    );
  }
  const { listen, admin } = config;
  const wildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
  const overlap = listen.host === admin.host || wildcard(listen.host) || wildcard(admin.host);
  if (listen.port !== 0 && listen.port === admin.port && overlap) {
    problem(
      'admin',
      `admin ${describeOrigin(originOf('admin'))} and listen ${describeOrigin(originOf('listen'))} ` +
        `overlap: ${formatHostPort(admin)} and ${formatHostPort(listen)} cannot both be bound`,
    );
  }
  return problems;
}

let cachedVersion: string | undefined;

/** The package version ('unknown' when package.json cannot be read), read once. */
export function packageVersion(): string {
  cachedVersion ??= readPackageVersion() ?? 'unknown';
  return cachedVersion;
}
