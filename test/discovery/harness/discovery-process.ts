import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DiscoveryConfig } from '../../../src/config/types';
import type {
  KubernetesDiscoveryStatus,
  KubernetesDiscoveryTuning,
} from '../../../src/discovery/kubernetes';
import { pollUntil, trackChild, waitForExit } from '../../support/cleanup';

export interface PushedBackend {
  id: string;
  host: string;
  port: number;
  pod?: string;
  zone?: string;
  terminating?: boolean;
}

export interface Push {
  version: number;
  backends: PushedBackend[];
}

export interface LogLine {
  level: 'info' | 'warn' | 'error' | 'debug';
  msg: string;
  obj: Record<string, unknown>;
}

type Status = KubernetesDiscoveryStatus & { t: 'status' };

const REPO = path.resolve(__dirname, '../../..');

/**
 * Drives a KubernetesDiscovery running in a child node process (discovery-child.ts) and collects
 * what it pushes and logs.
 */
export class DiscoveryProcess {
  readonly pushes: Push[] = [];
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  startError: { name: string; message: string } | undefined;
  private started = false;
  private statusWaiters: Array<(s: Status) => void> = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    trackChild(child);
    createInterface({ input: child.stdout }).on('line', (line) => this.onLine(line));
    child.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
  }

  static async spawn(
    config: DiscoveryConfig,
    tuning: Omit<KubernetesDiscoveryTuning, 'random' | 'library'> = {},
    env: NodeJS.ProcessEnv = {},
  ): Promise<DiscoveryProcess> {
    const child = spawn(
      process.execPath,
      [
        '-r',
        path.join(__dirname, 'register.js'),
        path.join(__dirname, 'discovery-child.ts'),
        JSON.stringify({ config, tuning }),
      ],
      { cwd: REPO, env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const p = new DiscoveryProcess(child);
    await pollUntil(
      'discovery child to start',
      () => p.started || p.startError !== undefined || child.exitCode !== null,
      20_000,
    );
    return p;
  }

  get latest(): Push | undefined {
    return this.pushes[this.pushes.length - 1];
  }

  /** Sorted ids of the latest push ('' entries never occur). */
  latestIds(): string[] {
    return (this.latest?.backends ?? []).map((b) => b.id).sort();
  }

  async waitForIds(
    ids: string[],
    what = `backends ${ids.join(',')}`,
    timeoutMs = 15_000,
  ): Promise<Push> {
    const want = [...ids].sort().join(',');
    await pollUntil(
      what,
      () => this.latest !== undefined && this.latestIds().join(',') === want,
      timeoutMs,
    );
    return this.latest as Push;
  }

  async waitForPush(pred: (p: Push) => boolean, what: string, timeoutMs = 15_000): Promise<Push> {
    await pollUntil(what, () => this.latest !== undefined && pred(this.latest), timeoutMs);
    return this.latest as Push;
  }

  async waitForLog(
    pred: (l: LogLine) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<LogLine> {
    await pollUntil(what, () => this.logs.some(pred), timeoutMs);
    return this.logs.find(pred) as LogLine;
  }

  async status(): Promise<Status> {
    const p = new Promise<Status>((resolve) => this.statusWaiters.push(resolve));
    this.child.stdin.write('status\n');
    return p;
  }

  async waitForStatus(
    pred: (s: Status) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<Status> {
    let last: Status | undefined;
    await pollUntil(
      what,
      async () => {
        last = await this.status();
        return pred(last);
      },
      timeoutMs,
      50,
    );
    return last as Status;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin.write('stop\n');
    const exited = waitForExit(this.child);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.stderr.push(`(stdout) ${line}`);
      return;
    }
    switch (msg.t) {
      case 'push':
        this.pushes.push(msg as unknown as Push);
        break;
      case 'log':
        this.logs.push(msg as unknown as LogLine);
        break;
      case 'status':
        this.statusWaiters.shift()?.(msg as unknown as Status);
        break;
      case 'started':
        this.started = true;
        break;
      case 'startError':
        this.startError = { name: String(msg.name), message: String(msg.message) };
        break;
    }
  }
}
