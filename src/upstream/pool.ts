import type { Backend, BackendSet } from '../balancer/backend';
import type { CodecLimits } from '../http';
import { UpstreamConnection, type ConnectionOwner } from './connection';

export interface PoolOptions {
  connectTimeoutMs: number;
  keepAliveMs: number;
  /** timeouts.upstreamIdle: inactivity bound while a socket serves an exchange. */
  activeIdleMs: number;
  maxIdle: number;
  limits: CodecLimits;
  /** Called after any connection stops being active (limits.maxInFlightPerBackend waiters). */
  onRelease?: () => void;
}

/**
 * Keep-alive sockets to one backend. Idle sockets are reused LIFO (the most recently used is the
 * least likely to have been closed by the backend); each carries its own idle timer, and a socket
 * that has sat idle for most of its lifetime is not handed out (it may be closing right now).
 */
export class UpstreamPool implements ConnectionOwner {
  private readonly idle: UpstreamConnection[] = [];
  /** Connections handed out and not yet released. */
  active = 0;
  /** Set when the backend left the BackendSet: in-flight exchanges finish, nothing is pooled. */
  retired = false;
  created = 0;

  constructor(
    readonly backend: Backend,
    private readonly opts: PoolOptions,
  ) {}

  get idleCount(): number {
    return this.idle.length;
  }

  /**
   * An idle connection to reuse, or a new one (connecting: the handler gets onConnected).
   * `fresh` skips the idle ones: a replay after a reset goes out on a new connection.
   */
  acquire(fresh = false): UpstreamConnection {
    const now = Date.now();
    while (!fresh && this.idle.length > 0) {
      const conn = this.idle.pop()!;
      // Skip sockets close to their idle deadline: the backend may be closing them (reuse race).
      if (!conn.idle || now - conn.idleSince > conn.idleMs - 500) {
        conn.destroy();
        continue;
      }
      this.active++;
      return conn;
    }
    this.active++;
    this.created++;
    return new UpstreamConnection(
      this.backend,
      this,
      this.opts.limits,
      this.opts.connectTimeoutMs,
      this.opts.keepAliveMs,
      this.opts.activeIdleMs,
    );
  }

  release(conn: UpstreamConnection, reusable: boolean): void {
    this.active--;
    if (!reusable || this.retired || this.idle.length >= this.opts.maxIdle) {
      conn.destroy();
    } else {
      this.idle.push(conn);
    }
    this.opts.onRelease?.();
  }

  /** Called by a connection that closed; it may be idle here or still counted active. */
  forget(conn: UpstreamConnection): void {
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
  }

  retire(): void {
    this.retired = true;
    for (const c of this.idle.splice(0)) c.destroy();
  }

  closeIdle(): void {
    for (const c of this.idle.splice(0)) c.destroy();
  }
}

/** One pool per backend id; follows BackendSet pushes, retiring pools of removed backends. */
export class PoolRegistry {
  private readonly pools = new Map<string, UpstreamPool>();

  constructor(private readonly opts: PoolOptions) {}

  get(backend: Backend): UpstreamPool {
    let pool = this.pools.get(backend.id);
    if (pool === undefined || pool.retired) {
      pool = new UpstreamPool(backend, this.opts);
      this.pools.set(backend.id, pool);
    }
    return pool;
  }

  /** Requests in flight to a backend: connections of its pool handed out and not released. */
  activeOf(id: string): number {
    return this.pools.get(id)?.active ?? 0;
  }

  /** Retires pools whose backend left: idle sockets closed now, busy ones closed when done. */
  sync(set: BackendSet): void {
    for (const [id, pool] of this.pools) {
      if (!set.has(id)) {
        pool.retire();
        this.pools.delete(id);
      }
    }
  }

  all(): IterableIterator<UpstreamPool> {
    return this.pools.values();
  }

  closeAll(): void {
    for (const pool of this.pools.values()) pool.closeIdle();
  }
}
