/**
 * values.yaml is documented value by value (`# --` comments), and helm/README.md's values table is
 * generated from it (scripts/helm-values-doc.mjs), so the table cannot go stale.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHART, ROOT } from './chart-harness';

const SCRIPT = path.join(ROOT, 'scripts', 'helm-values-doc.mjs');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('every value in values.yaml has a description', () => {
  const r = run();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // A few rows that must be there, with their defaults.
  expect(r.stdout).toContain('| `discovery.mode` | `"endpointslices"` |');
  expect(r.stdout).toContain('| `proxy.drainSeconds` | `25` |');
  expect(r.stdout).toContain('| `backends.replicas` | `3` |');
});

test('an undocumented value is reported', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-values-doc-'));
  try {
    const file = path.join(dir, 'values.yaml');
    writeFileSync(file, `${readFileSync(path.join(CHART, 'values.yaml'), 'utf8')}\nsneaky: 1\n`);
    const r = run('--values', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/undocumented values: sneaky/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("helm/README.md's values table is current", () => {
  const r = run('--check');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});
