/**
 * The configuration reference, generated from the schema: every leaf key with its environment
 * variable, flag and default. The README table is this output (a test compares them), so the
 * documentation cannot drift from DEFAULT_CONFIG. `node dist/config/table.js` prints it.
 */
import { FLAGS } from './cli';
import { FIELDS, formattedDefault } from './schema';

export interface ConfigKeyInfo {
  readonly key: string;
  readonly env: string;
  /** Flags that set this key, e.g. ["--cache", "--no-cache"]. */
  readonly flags: readonly string[];
  readonly type: string;
  /** The default in the spelling a user writes ("30s", "64KiB", "0.0.0.0:8080"). */
  readonly default: string;
  readonly description: string;
}

export function configKeys(): ConfigKeyInfo[] {
  return FIELDS.map((f) => ({
    key: f.key,
    env: f.env,
    flags: FLAGS.filter((flag) => 'key' in flag && flag.key === f.key).map((flag) => flag.name),
    type: f.kind.type,
    default: formattedDefault(f),
    description: f.description,
  }));
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const code = (s: string): string => (s === '' ? '""' : `\`${s}\``);

/** Markdown table: key | env | flag | default | meaning. */
export function renderConfigTable(): string {
  const rows = configKeys().map(
    (k) =>
      `| ${code(k.key)} | ${code(k.env)} | ${k.flags.map(code).join(' ')} | ${cell(code(k.default))} | ${cell(k.description)} |`,
  );
  return [
    '| Key | Environment variable | Flag | Default | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (require.main === module) process.stdout.write(renderConfigTable());
