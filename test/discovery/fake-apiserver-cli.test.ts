import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pollUntil, trackChild, waitForExit } from '../support/cleanup';
import { DiscoveryProcess } from './harness/discovery-process';

/** The standalone fake API server (test/support/fake-apiserver-cli.ts) driven over stdin. */

jest.setTimeout(60_000);

test('serves a kubeconfig, one slice per port, and takes commands', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rrp-fake-cli-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const child = spawn(
    process.execPath,
    [
      '-r',
      path.join(__dirname, 'harness/register.js'),
      path.join(__dirname, '../support/fake-apiserver-cli.ts'),
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      'shop',
      '--service',
      'web',
      '--endpoint',
      '127.0.0.2:8080',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  trackChild(child);
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout }).on('line', (l) =>
    lines.push(JSON.parse(l) as Record<string, unknown>),
  );
  let d: DiscoveryProcess | undefined;
  try {
    await pollUntil('the ready line', () => lines.length >= 1, 20_000);
    expect(lines[0]).toMatchObject({ kubeconfig, tls: true });
    d = await DiscoveryProcess.spawn(
      {
        mode: 'endpointslices',
        namespace: 'shop',
        service: 'web',
        portName: 'http',
        kubeconfig,
        addressFamily: 'auto',
      },
      { backoff: { baseMs: 100, capMs: 500 } },
    );
    await d.waitForIds(['127.0.0.2:8080']);
    child.stdin.write('add 127.0.0.3:9090\n');
    await d.waitForIds(['127.0.0.2:8080', '127.0.0.3:9090'], 'second port, second slice');
    child.stdin.write('remove 127.0.0.3:9090\n');
    await d.waitForIds(['127.0.0.2:8080'], 'slice of the emptied port removed');
    child.stdin.write('terminate 127.0.0.2:8080\n');
    await d.waitForPush((p) => p.backends[0]?.terminating === true, 'terminating');
    child.stdin.write('bogus\n');
    child.stdin.write('requests\n');
    await pollUntil('answers', () => lines.some((l) => Array.isArray(l.requests)), 20_000);
    expect(lines.some((l) => l.ok === false && String(l.error).includes('bogus'))).toBe(true);
    const report = lines.find((l) => Array.isArray(l.requests)) as {
      problems: string[];
      requests: unknown[];
    };
    expect(report.problems).toEqual([]);
    expect(report.requests.length).toBeGreaterThanOrEqual(2);
  } finally {
    await d?.stop();
    child.stdin.write('quit\n');
    await waitForExit(child);
    rmSync(dir, { recursive: true, force: true });
  }
});
