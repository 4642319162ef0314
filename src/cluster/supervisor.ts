import type { BackendSet } from '../balancer/backend';
import { backoffDelay, type BackoffPolicy } from '../discovery/backoff';
import type { IpcPort } from './ipc';
import { setMessage, toPrimary, type Question, type ResponseMessage } from './messages';
import type { ReadinessInput, WorkerAnswer } from './pod-views';

/** A forked worker as the supervisor sees it (a cluster Worker, or a fake in tests). */
export interface WorkerHandle extends IpcPort {
  readonly pid: number | null;
  /** The worker's proxy listener is bound (cluster's 'listening'). */
  onListening(listener: () => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal: NodeJS.Signals): void;
}

export interface SupervisorLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SupervisorOptions {
  readonly count: number;
  /** Starts the worker of a slot (1..count). */
  readonly fork: (slot: number) => WorkerHandle;
  readonly logger: SupervisorLogger;
  /** Delay before restarting a crashed worker: base 100 ms, doubling, up to 10 s. */
  readonly backoff?: BackoffPolicy;
  /** A worker that ran this long before crashing restarts at the base delay again. */
  readonly stableMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

interface Slot {
  readonly slot: number;
  worker: WorkerHandle | null;
  /** Said hello: its ClusterDiscovery listens, so sets may be sent. */
  hello: boolean;
  listening: boolean;
  appliedVersion: number | null;
  startedAt: number;
  /** Crashes in a row without a stable run in between (the backoff attempt). */
  crashes: number;
  restartTimer: NodeJS.Timeout | null;
  exited: Promise<void>;
}

interface Pending {
  readonly slot: Slot;
  readonly resolve: (r: WorkerAnswer<unknown>['result']) => void;
  readonly timer: NodeJS.Timeout;
}

export const RESTART_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 10_000 };

/**
 * Keeps `count` workers running: forks them, restarts a crashed one after a backoff, sends every
 * BackendSet to each (and the current one to a worker that says hello), asks them questions for
 * the admin views, and stops them on shutdown. The slot number stays with a restarted worker.
 */
export class WorkerSupervisor {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly backoff: BackoffPolicy;
  private readonly stableMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private set: BackendSet | null = null;
  private nextId = 1;
  private stopping = false;
  private startupFailed: ((err: Error) => void) | null = null;
  /** Workers restarted after a crash, since start. */
  restarts = 0;

  constructor(private readonly opts: SupervisorOptions) {
    this.backoff = opts.backoff ?? RESTART_BACKOFF;
    this.stableMs = opts.stableMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Forks every worker; resolves once all listen. A worker that exits before the first time all
   * listen is a startup failure (a port in use, a bad config): every worker is stopped and this
   * rejects, so the pod fails fast instead of restarting forever.
   */
  async start(): Promise<void> {
    const failed = new Promise<never>((_, reject) => (this.startupFailed = reject));
    failed.catch(() => undefined);
    const listening: Promise<void>[] = [];
    for (let slot = 1; slot <= this.opts.count; slot++) {
      const s: Slot = {
        slot,
        worker: null,
        hello: false,
        listening: false,
        appliedVersion: null,
        startedAt: 0,
        crashes: 0,
        restartTimer: null,
        exited: Promise.resolve(),
      };
      this.slots.push(s);
      listening.push(new Promise((resolve) => this.launch(s, resolve)));
    }
    try {
      await Promise.race([Promise.all(listening), failed]);
    } catch (err) {
      await this.stop(5_000);
      throw err;
    } finally {
      this.startupFailed = null;
    }
  }

  /** A new BackendSet: to every worker that listens for sets; the others get it on hello. */
  broadcast(set: BackendSet): void {
    this.set = set;
    const msg = setMessage(set);
    for (const s of this.slots) if (s.hello && s.worker !== null) s.worker.send(msg);
  }

  /** What readiness needs to know of the workers. */
  workersState(): ReadinessInput['workers'] {
    return this.slots.map((s) => ({
      worker: s.slot,
      listening: s.worker !== null && s.listening,
      appliedVersion: s.worker !== null ? s.appliedVersion : null,
    }));
  }

  /** Workers currently listening. */
  get listeningCount(): number {
    return this.slots.filter((s) => s.worker !== null && s.listening).length;
  }

  /** Asks every slot; a slot without a running worker, or one that does not answer in time,
   * answers with an error. */
  ask(question: Question, timeoutMs: number): Promise<WorkerAnswer<unknown>[]> {
    return Promise.all(
      this.slots.map(async (s): Promise<WorkerAnswer<unknown>> => {
        const pid = s.worker?.pid ?? null;
        return { worker: s.slot, pid, result: await this.askOne(s, question, timeoutMs) };
      }),
    );
  }

  /**
   * Stops every worker with SIGTERM (each drains as a single process does) and waits for all to
   * exit; at the deadline the rest get SIGKILL. Resolves true when all exited in time.
   */
  async stop(deadlineMs: number): Promise<boolean> {
    this.stopping = true;
    for (const s of this.slots) {
      if (s.restartTimer !== null) clearTimeout(s.restartTimer);
      s.restartTimer = null;
      s.worker?.kill('SIGTERM');
    }
    const all = Promise.all(this.slots.map((s) => s.exited)).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, deadlineMs, false)));
    const inTime = await Promise.race([all, late]);
    clearTimeout(timer);
    if (inTime) return true;
    for (const s of this.slots) {
      if (s.worker === null) continue;
      this.opts.logger.warn({ worker: s.slot, pid: s.worker.pid }, 'worker still running: SIGKILL');
      s.worker.kill('SIGKILL');
    }
    await all;
    return false;
  }

  private launch(s: Slot, onListening?: () => void): void {
    const w = this.opts.fork(s.slot);
    s.worker = w;
    s.hello = false;
    s.listening = false;
    s.appliedVersion = null;
    s.startedAt = this.now();
    let exited!: () => void;
    s.exited = new Promise((resolve) => (exited = resolve));
    w.on('message', (raw) => this.onMessage(s, w, raw));
    w.onListening(() => {
      if (s.worker !== w) return;
      s.listening = true;
      onListening?.();
    });
    w.onExit((code, signal) => {
      if (s.worker === w) s.worker = null;
      this.failPending(s, `worker ${s.slot} exited`);
      exited();
      this.onExit(s, w, code, signal);
    });
  }

  private onMessage(s: Slot, w: WorkerHandle, raw: unknown): void {
    if (s.worker !== w) return;
    const msg = toPrimary(raw);
    if (msg === null) return;
    switch (msg.t) {
      case 'rrp:hello':
        s.hello = true;
        w.send(this.set === null ? { t: 'rrp:unsynced' } : setMessage(this.set));
        return;
      case 'rrp:applied':
        s.appliedVersion = msg.version;
        return;
      case 'rrp:res':
        this.settle(msg);
        return;
    }
  }

  private onExit(s: Slot, w: WorkerHandle, code: number | null, signal: string | null): void {
    const ranMs = this.now() - s.startedAt;
    if (this.stopping) {
      this.opts.logger.info({ worker: s.slot, pid: w.pid, code, signal }, 'worker exited');
      return;
    }
    if (this.startupFailed !== null) {
      this.opts.logger.error(
        { worker: s.slot, pid: w.pid, code, signal },
        'worker exited during startup',
      );
      this.startupFailed(
        new Error(`worker ${s.slot} exited during startup (${signal ?? `code ${code}`})`),
      );
      return;
    }
    s.crashes = ranMs >= this.stableMs ? 1 : s.crashes + 1;
    const delayMs = backoffDelay(s.crashes - 1, this.random(), this.backoff);
    this.opts.logger.error(
      { worker: s.slot, pid: w.pid, code, signal, ranMs, restartInMs: delayMs },
      'worker exited unexpectedly: restarting',
    );
    s.restartTimer = setTimeout(() => {
      s.restartTimer = null;
      if (this.stopping) return;
      this.restarts++;
      this.launch(s);
      this.opts.logger.info({ worker: s.slot, pid: s.worker?.pid }, 'worker restarted');
    }, delayMs);
  }

  private askOne(
    s: Slot,
    question: Question,
    timeoutMs: number,
  ): Promise<WorkerAnswer<unknown>['result']> {
    const w = s.worker;
    if (w === null || !s.hello) return Promise.resolve({ ok: false, error: 'not running' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending.set(id, { slot: s, resolve, timer });
      w.send({ t: 'rrp:req', id, ...question });
    });
  }

  private settle(msg: ResponseMessage): void {
    const p = this.pending.get(msg.id);
    if (p === undefined) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    p.resolve(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
  }

  private failPending(s: Slot, error: string): void {
    for (const [id, p] of this.pending) {
      if (p.slot !== s) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve({ ok: false, error });
    }
  }
}
