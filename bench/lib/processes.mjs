// Starts the benchmark's processes pinned to cpus, remembers them, and stops all of them (and
// their children, e.g. nginx workers) by pid: on success, on error, on SIGINT/SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, processTable, treeOf } from './proc-stats.mjs';

export class ProcessGroup {
  constructor() {
    /** name -> ChildProcess */
    this.children = new Map();
  }

  /**
   * Starts `command args` under `taskset -c cpus` (taskset execs, so the pid is the command's).
   * stdout/stderr go to `logFile`, or stdout is a pipe when `pipeStdout` is set (the caller reads
   * it). Returns the ChildProcess.
   */
  start(name, command, args, { cpus, env, logFile, pipeStdout = false, cwd }) {
    if (this.children.has(name)) throw new Error(`process ${name} already started`);
    const fd = openSync(logFile, 'a');
    const child = spawn('taskset', ['-c', cpus, command, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', pipeStdout ? 'pipe' : fd, fd],
    });
    closeSync(fd);
    child.on('error', () => {}); // reported through the exit code / readiness check instead
    this.children.set(name, child);
    return child;
  }

  pid(name) {
    return this.children.get(name)?.pid;
  }

  /** Whether the named process has exited. */
  exited(name) {
    const child = this.children.get(name);
    return !child || child.exitCode !== null || child.signalCode !== null || !alive(child.pid);
  }

  /** Stops one process tree: TERM, up to `graceMs` to exit, then KILL. */
  async stop(name, graceMs = 3000) {
    const child = this.children.get(name);
    if (!child) return;
    this.children.delete(name);
    const pids = [...treeOf(processTable(), child.pid)];
    signal(pids, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && pids.some(alive)) await sleep(50);
    signal(pids.filter(alive), 'SIGKILL');
  }

  /** Stops everything, the most recently started first (peers before their backends). */
  async stopAll(graceMs = 3000) {
    const names = [...this.children.keys()].reverse();
    await Promise.all(names.map((n) => this.stop(n, graceMs)));
  }

  /** Last resort at process exit (synchronous): KILL every tree still alive. */
  killAllNow() {
    const table = processTable();
    for (const child of this.children.values()) signal([...treeOf(table, child.pid)], 'SIGKILL');
    this.children.clear();
  }
}

function signal(pids, sig) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** Runs a command to completion and returns its stdout ('' when it fails). */
export function output(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  return ((r.stdout || '') + (r.stderr || '')).trim();
}
