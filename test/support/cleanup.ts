import type { ChildProcess } from 'node:child_process';

/**
 * Last-resort cleanup of child processes started by the harness. Each harness stops its own
 * processes in stop(); this registry makes sure nothing outlives the test file even when a test
 * forgets to call stop() or jest tears the worker down: an afterAll hook in the file that
 * imported the harness, and a synchronous kill on process exit.
 */
const live = new Set<ChildProcess>();
const asyncCleanups = new Set<() => Promise<void>>();
let hooksInstalled = false;

function killAllSync(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', killAllSync);
  // jest injects afterAll as a global; jest's module registry is per test file, so this hook is
  // registered once in each file that uses the harness.
  if (typeof afterAll === 'function') {
    afterAll(async () => {
      for (const cleanup of [...asyncCleanups]) await cleanup().catch(() => undefined);
      asyncCleanups.clear();
      killAllSync();
    });
  }
}

// Registered when the module is first imported, i.e. while the test file is being loaded: jest
// refuses hooks added once tests run.
installHooks();

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Registers an async cleanup run after all tests of the file (e.g. stopping a raw server). */
export function trackCleanup(cleanup: () => Promise<void>): () => void {
  asyncCleanups.add(cleanup);
  return () => asyncCleanups.delete(cleanup);
}

/** Resolves with the exit code (or 128 + signal number style name) once the child has exited. */
export function waitForExit(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
}

/** Polls `probe` until it returns true, at most `timeoutMs`; throws with `what` otherwise. */
export async function pollUntil(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
