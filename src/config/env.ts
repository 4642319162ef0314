/**
 * RRPROXY_* environment variables as a source of settings. Every leaf key has exactly one
 * variable, derived from its path (see envNameOf in schema.ts), parsed from text like a flag.
 */
import type { ConfigProblem } from './errors';
import type { Kind } from './kinds';
import type { SourceResult } from './file';
import type { Setting } from './origin';
import {
  closest,
  CONFIG_FILE_ENV,
  envNameOf,
  fieldOf,
  FIELDS,
  GROUPS,
  shorthandOf,
} from './schema';

const PREFIX = 'RRPROXY_';
/** RRPROXY_STRATEGY and the like: the env spelling of a group's `name` shorthand. */
const SHORTHANDS: readonly { env: string; key: string }[] = [...GROUPS].flatMap((g) => {
  const key = shorthandOf(g);
  return key === undefined ? [] : [{ env: envNameOf(g), key }];
});
const KNOWN_NAMES: readonly string[] = [
  ...FIELDS.map((f) => f.env),
  ...SHORTHANDS.map((s) => s.env),
  CONFIG_FILE_ENV,
];

// Kubernetes injects service-link variables for every Service in the namespace (a Service named
// "rrproxy" yields RRPROXY_PORT, RRPROXY_SERVICE_HOST, RRPROXY_PORT_8080_TCP_ADDR, ...). They are
// not ours and must never be reported.
const SERVICE_LINK =
  /_(?:SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?|PORT(?:_\d+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?)?)$/;

export function readEnv(env: NodeJS.ProcessEnv): SourceResult & { configFile?: string } {
  const settings: Setting[] = [];
  const problems: ConfigProblem[] = [];
  const read = (key: string, name: string, kind: Kind<unknown>): void => {
    const raw = env[name];
    if (raw === undefined) return;
    const r = kind.fromText(raw);
    if (r.ok) settings.push({ key, value: r.value, origin: { source: 'env', name } });
    else problems.push({ key, source: 'env', message: `${key} from ${name}: ${r.message}` });
  };
  // Shorthands first, so the full name (RRPROXY_STRATEGY_NAME) wins when both are set.
  for (const s of SHORTHANDS) read(s.key, s.env, fieldOf(s.key)!.kind);
  for (const f of FIELDS) read(f.key, f.env, f.kind);
  // An unknown RRPROXY_* name is most likely a typo of ours when it is close to a known one;
  // anything else (service links, other tools' variables) is left alone.
  for (const name of Object.keys(env)) {
    if (!name.startsWith(PREFIX) || KNOWN_NAMES.includes(name) || SERVICE_LINK.test(name)) continue;
    const suggestion = closest(
      name.slice(PREFIX.length),
      KNOWN_NAMES.map((n) => n.slice(PREFIX.length)),
    );
    if (suggestion !== undefined) {
      problems.push({
        key: name,
        source: 'env',
        message: `unknown environment variable ${name} (did you mean ${PREFIX}${suggestion}?)`,
      });
    }
  }
  const configFile = env[CONFIG_FILE_ENV];
  return configFile !== undefined && configFile !== ''
    ? { settings, problems, configFile }
    : { settings, problems };
}
