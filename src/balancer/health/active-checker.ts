import type { HealthCheckConfig } from '../../config/types';
import type { Backend, BackendSet } from '../backend';
import { healthKeyOf, type BackendHealth } from './backend-health';
import { httpProbe, type Probe } from './http-probe';

/** The next delay of a periodic check: the interval +-10 %, so replicas do not synchronise. */
export function jitteredInterval(intervalMs: number, random: number): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random));
}

interface Checked {
  backend: Backend;
  timer: NodeJS.Timeout | null;
  running: boolean;
  stopped: boolean;
}

/**
 * Active health checks: each backend of the current set is probed every interval (jittered; the
 * first check at a random point of the first interval, so a fleet restarted together spreads its
 * checks), and each result goes to BackendHealth, whose thresholds flip the verdict.
 */
export class ActiveHealthChecker {
  private readonly checked = new Map<string, Checked>();
  private stopped = false;

  constructor(
    private readonly opts: Pick<HealthCheckConfig, 'path' | 'interval' | 'timeout'>,
    private readonly health: BackendHealth,
    private readonly probe: Probe = httpProbe,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts checking new backends and stops checking those that left. */
  update(set: BackendSet): void {
    if (this.stopped) return;
    const keep = new Set<string>();
    for (const b of set.backends) {
      const key = healthKeyOf(b);
      keep.add(key);
      const c = this.checked.get(key);
      if (c !== undefined) {
        c.backend = b;
        continue;
      }
      const fresh: Checked = { backend: b, timer: null, running: false, stopped: false };
      this.checked.set(key, fresh);
      this.schedule(fresh, Math.round(this.random() * this.opts.interval));
    }
    for (const [key, c] of this.checked) {
      if (keep.has(key)) continue;
      this.cancel(c);
      this.checked.delete(key);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.checked.values()) this.cancel(c);
    this.checked.clear();
  }

  private cancel(c: Checked): void {
    c.stopped = true;
    if (c.timer !== null) clearTimeout(c.timer);
    c.timer = null;
  }

  private schedule(c: Checked, delayMs: number): void {
    c.timer = setTimeout(() => void this.run(c), delayMs);
    // Checks never keep the process alive on their own.
    c.timer.unref();
  }

  private async run(c: Checked): Promise<void> {
    c.timer = null;
    if (c.stopped || c.running) return;
    c.running = true;
    const result = await this.probe(c.backend, this.opts.path, this.opts.timeout);
    c.running = false;
    if (c.stopped) return;
    this.health.recordCheck(c.backend, result);
    this.schedule(c, jitteredInterval(this.opts.interval, this.random()));
  }
}
