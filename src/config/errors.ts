/**
 * Configuration failures. A ConfigError lists every problem found (not just the first), each
 * naming the key and where its value came from, so one run fixes one file. main prints the
 * message and exits with `exitCode` (2), never a stack trace.
 */

export type ProblemSource = 'file' | 'env' | 'flag' | 'config';

export interface ConfigProblem {
  /** Dotted config key ("timeouts.connect"), flag or env name the problem is about. */
  readonly key?: string;
  readonly source: ProblemSource;
  /** 1-based line (and column) in the config file, when the problem is located there. */
  readonly line?: number;
  readonly column?: number;
  /** The complete sentence shown to the user. */
  readonly message: string;
}

export class ConfigError extends Error {
  readonly exitCode = 2;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[] | string) {
    const list: readonly ConfigProblem[] =
      typeof problems === 'string' ? [{ source: 'config', message: problems }] : problems;
    super(
      list.length === 1
        ? list[0]!.message
        : `${list.length} configuration problems:\n${list.map((p) => `  - ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = list;
  }
}

/**
 * Not a failure: --help or --version asked main to print `output` on stdout and exit 0.
 * Thrown by loadConfig (whose result is always a Config); loadConfigOrExit returns it as a value.
 */
export class CliExit extends Error {
  readonly exitCode = 0;
  constructor(readonly output: string) {
    super('exit requested by command-line flag');
    this.name = 'CliExit';
  }
}
