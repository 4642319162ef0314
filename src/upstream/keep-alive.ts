import { splitList } from '../http/headers';

/**
 * The `timeout=` a backend advertises in Keep-Alive (RFC 2068 19.7.1.1), in ms, or -1. We close
 * idle sockets a second before the backend would, to stay clear of the reuse race.
 */
export function keepAliveTimeoutMs(value: string | undefined): number {
  if (value === undefined) return -1;
  for (const item of splitList(value)) {
    const eq = item.indexOf('=');
    if (eq === -1 || item.slice(0, eq).trim().toLowerCase() !== 'timeout') continue;
    const secs = Number(item.slice(eq + 1).trim());
    if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  }
  return -1;
}

/** The idle lifetime we give a pooled socket: our default, capped below the backend's. */
export function pooledIdleMs(configured: number, advertisedMs: number): number {
  if (advertisedMs < 0) return configured;
  return Math.max(0, Math.min(configured, advertisedMs - 1000));
}
