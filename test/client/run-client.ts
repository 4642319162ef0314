import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { trackChild } from '../support/cleanup';

export const CLIENT_MAIN = path.resolve(__dirname, '../../dist/client/main.js');

export interface ClientRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Runs the built client (`node dist/client/main.js`) as a child process with stdout and stderr
 * as pipes, bounded in time (killed after `timeoutMs`).
 */
export function runClient(
  args: readonly string[],
  opts: { cwd?: string; stdin?: Buffer; timeoutMs?: number } = {},
): Promise<ClientRun> {
  if (!existsSync(CLIENT_MAIN)) {
    throw new Error(
      `${CLIENT_MAIN} is missing: run \`npm run build\` first (npm test does it via pretest)`,
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT_MAIN, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    trackChild(child);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? Buffer.alloc(0));
  });
}

export function sha256hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Asserts the exit code; on a mismatch the failure shows the client's stderr, which says why. */
export function expectExit(run: ClientRun, code: number): void {
  if (run.code !== code) {
    throw new Error(
      `client exited ${run.code ?? run.signal}, expected ${code}; stderr:\n${run.stderr}`,
    );
  }
}
