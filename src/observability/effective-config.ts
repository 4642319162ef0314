import type { Config } from '../config/types';

const REDACTED = '[redacted]';

/** Keys whose value is a credential (a path to one, like purgeTokenFile, is not). */
const SECRET_KEY = /(?:token|secret|password|credentials?)$/i;

/**
 * The configuration as logged once at startup: every key, with credentials replaced (a purge
 * token, userinfo in a URL), so `kubectl logs` shows what the process really runs with and
 * nothing an operator would have to rotate.
 */
export function redactConfig(config: Config): unknown {
  return redactValue(config, '');
}

function redactValue(value: unknown, key: string): unknown {
  if (typeof value === 'string') {
    if (value !== '' && SECRET_KEY.test(key)) return REDACTED;
    return redactUrlUserinfo(value);
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, key));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v, k);
    return out;
  }
  return value;
}

/** "http://user:pass@host/" -> "http://[redacted]@host/"; other text unchanged. */
function redactUrlUserinfo(s: string): string {
  if (!s.includes('@') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return s;
  try {
    const u = new URL(s);
    if (u.username === '' && u.password === '') return s;
    return s.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, `$1${REDACTED}@`);
  } catch {
    return s;
  }
}
