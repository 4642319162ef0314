import { BackendSet, makeBackend } from '../../src/balancer/backend';
import { toWorker } from '../../src/cluster/messages';
import { WorkerSupervisor, type WorkerHandle } from '../../src/cluster/supervisor';
import { flush, ipcPair } from './fake-ipc';

/** A worker as the supervisor sees it, driven by the test. */
class FakeWorker {
  readonly handle: WorkerHandle;
  readonly signals: string[] = [];
  readonly received: unknown[] = [];
  private listening: Array<() => void> = [];
  private exits: Array<(code: number | null, signal: string | null) => void> = [];
  private readonly inside;
  alive = true;

  constructor(
    readonly slot: number,
    readonly pid: number,
    behaviour: { answer?: boolean } = {},
  ) {
    const { a, b } = ipcPair();
    this.inside = b;
    b.on('message', (raw) => {
      this.received.push(raw);
      const msg = toWorker(raw);
      if (msg?.t === 'rrp:set') b.send({ t: 'rrp:applied', version: msg.version });
      if (msg?.t === 'rrp:req' && behaviour.answer !== false)
        b.send({ t: 'rrp:res', id: msg.id, ok: true, value: { slot, op: msg.op } });
    });
    this.handle = {
      pid,
      send: a.send,
      on: a.on,
      off: a.off,
      onListening: (l) => void this.listening.push(l),
      onExit: (l) => void this.exits.push(l),
      kill: (signal) => {
        this.signals.push(signal);
        if (signal === 'SIGKILL') this.exit(null, 'SIGKILL');
      },
    };
  }

  hello(): void {
    this.inside.send({ t: 'rrp:hello' });
  }

  listen(): void {
    for (const l of this.listening) l();
  }

  exit(code: number | null, signal: string | null = null): void {
    if (!this.alive) return;
    this.alive = false;
    for (const l of this.exits) l(code, signal);
  }
}

const logs: Array<[string, string]> = [];
const logger = {
  info: (_: object, msg: string) => void logs.push(['info', msg]),
  warn: (_: object, msg: string) => void logs.push(['warn', msg]),
  error: (_: object, msg: string) => void logs.push(['error', msg]),
};

function setup(count: number, behaviour: { answer?: boolean } = {}) {
  const forks: FakeWorker[] = [];
  let pid = 100;
  let now = 0;
  const sup = new WorkerSupervisor({
    count,
    fork: (slot) => {
      const w = new FakeWorker(slot, ++pid, behaviour);
      forks.push(w);
      return w.handle;
    },
    logger,
    backoff: { baseMs: 5, capMs: 20 },
    stableMs: 1_000,
    now: () => now,
    random: () => 0,
  });
  return { sup, forks, advance: (ms: number) => (now += ms) };
}

const set1 = new BackendSet([makeBackend({ host: '10.0.0.1', port: 80 })], 1);
const set2 = new BackendSet([makeBackend({ host: '10.0.0.2', port: 80 })], 2);

async function startAll(s: ReturnType<typeof setup>, set: BackendSet | null = set1) {
  if (set !== null) s.sup.broadcast(set);
  const started = s.sup.start();
  for (const w of s.forks) {
    w.hello();
    await flush();
    w.listen();
  }
  await started;
}

test('starts every slot; each gets the current set on hello and every later one', async () => {
  const s = setup(2);
  await startAll(s);
  expect(s.forks.map((w) => w.slot)).toEqual([1, 2]);
  expect(s.sup.listeningCount).toBe(2);
  expect(s.sup.workersState()).toEqual([
    { worker: 1, listening: true, appliedVersion: 1 },
    { worker: 2, listening: true, appliedVersion: 1 },
  ]);
  s.sup.broadcast(set2);
  await flush();
  expect(s.sup.workersState().map((w) => w.appliedVersion)).toEqual([2, 2]);
  for (const w of s.forks)
    expect(w.received.map((m) => (m as { version: number }).version)).toEqual([1, 2]);
});

test('a hello before discovery synced is answered "unsynced"; sets go only to workers that said hello', async () => {
  const s = setup(2);
  const started = s.sup.start();
  s.forks[0]!.hello();
  await flush();
  expect(s.forks[0]!.received).toEqual([{ t: 'rrp:unsynced' }]);
  s.sup.broadcast(set1);
  await flush();
  // Worker 2 has no listener yet: a set sent now would be lost, it gets it on hello instead.
  expect(s.forks[1]!.received).toEqual([]);
  s.forks[1]!.hello();
  await flush();
  expect(s.forks[1]!.received).toHaveLength(1);
  for (const w of s.forks) w.listen();
  await started;
  expect(s.sup.workersState().map((w) => w.appliedVersion)).toEqual([1, 1]);
});

test('a worker exiting during startup fails the start and stops the others', async () => {
  const s = setup(2);
  const started = s.sup.start();
  s.forks[0]!.listen();
  s.forks[1]!.exit(1);
  const stopped = expect(started).rejects.toThrow(/worker 2 exited during startup \(code 1\)/);
  await flush();
  s.forks[0]!.exit(0); // answers its SIGTERM
  await stopped;
  expect(s.forks[0]!.signals).toEqual(['SIGTERM']);
});

test('a crashed worker is restarted in its slot after a backoff that grows with quick crashes', async () => {
  const s = setup(2);
  await startAll(s);
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] });
  try {
    logs.length = 0;
    s.advance(5_000); // ran long enough: the first crash restarts at the base delay (5 ms)
    s.forks[1]!.exit(null, 'SIGKILL');
    expect(s.sup.workersState()[1]).toEqual({ worker: 2, listening: false, appliedVersion: null });
    jest.advanceTimersByTime(4);
    expect(s.forks).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(s.forks).toHaveLength(3);
    expect(s.forks[2]!.slot).toBe(2);
    expect(s.sup.restarts).toBe(1);
    expect(logs).toEqual([
      ['error', 'worker exited unexpectedly: restarting'],
      ['info', 'worker restarted'],
    ]);
    // The new worker gets the current set on hello and counts as listening again.
    s.forks[2]!.hello();
    await flush();
    s.forks[2]!.listen();
    expect(s.sup.workersState()[1]).toEqual({ worker: 2, listening: true, appliedVersion: 1 });
    // Crashing again at once: the delay doubles (10 ms with random() = 0), then 20 ms (the cap).
    s.forks[2]!.exit(1);
    jest.advanceTimersByTime(9);
    expect(s.forks).toHaveLength(3);
    jest.advanceTimersByTime(1);
    expect(s.forks).toHaveLength(4);
    s.forks[3]!.exit(1);
    jest.advanceTimersByTime(19);
    expect(s.forks).toHaveLength(4);
    jest.advanceTimersByTime(1);
    expect(s.forks.map((w) => w.slot)).toEqual([1, 2, 2, 2, 2]);
    expect(s.sup.restarts).toBe(3);
  } finally {
    jest.useRealTimers();
  }
  const stopped = s.sup.stop(1_000);
  for (const w of s.forks) w.exit(0);
  await expect(stopped).resolves.toBe(true);
});

test('questions go to every slot; silence, a dead worker and an exit mid-question are errors', async () => {
  const s = setup(2);
  await startAll(s);
  const answers = await s.sup.ask({ op: 'status' }, 1_000);
  expect(answers).toEqual([
    { worker: 1, pid: 101, result: { ok: true, value: { slot: 1, op: 'status' } } },
    { worker: 2, pid: 102, result: { ok: true, value: { slot: 2, op: 'status' } } },
  ]);

  const quiet = setup(1, { answer: false });
  await startAll(quiet);
  const asked = quiet.sup.ask({ op: 'metrics' }, 20);
  expect((await asked)[0]!.result).toEqual({ ok: false, error: 'no answer within 20 ms' });
  const pending = quiet.sup.ask({ op: 'metrics' }, 5_000);
  await flush();
  quiet.forks[0]!.exit(1);
  expect((await pending)[0]!.result).toEqual({ ok: false, error: 'worker 1 exited' });
  expect((await quiet.sup.ask({ op: 'metrics' }, 5_000))[0]!.result).toEqual({
    ok: false,
    error: 'not running',
  });
  await quiet.sup.stop(0);
  await s.sup.stop(0);
});

test('stop: SIGTERM to each, true when all exit in time; SIGKILL at the deadline otherwise', async () => {
  const s = setup(2);
  await startAll(s);
  const stopping = s.sup.stop(5_000);
  expect(s.forks.map((w) => w.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
  s.forks[0]!.exit(0);
  s.forks[1]!.exit(0);
  await expect(stopping).resolves.toBe(true);
  expect(s.forks).toHaveLength(2); // no restart while stopping

  const stuck = setup(2);
  await startAll(stuck);
  const late = stuck.sup.stop(20);
  stuck.forks[0]!.exit(0);
  await expect(late).resolves.toBe(false);
  expect(stuck.forks[1]!.signals).toEqual(['SIGTERM', 'SIGKILL']);
  expect(stuck.forks).toHaveLength(2);
});
