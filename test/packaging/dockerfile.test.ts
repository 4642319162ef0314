/**
 * The Dockerfile, linted by rule (hadolint is neither in Debian bookworm nor on npm, so the rules
 * that matter here are checked directly) and cross-checked against the chart that runs the image:
 * user id, ports, entry points, paths. The real build is scripts/image-check.sh (slow, separate).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  container,
  ensureTools,
  FETCH_TIMEOUT_MS,
  find,
  get,
  helmTemplate,
  type K8sObject,
  ROOT,
} from './chart-harness';

interface Instruction {
  keyword: string;
  args: string;
  /** Comment lines directly above the instruction. */
  comments: string[];
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions (continuations joined), grouped by stage. */
export function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let comments: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && line.startsWith('#')) {
      comments.push(line.replace(/^#\s?/, ''));
      continue;
    }
    if (line === '' && pending === '') {
      comments = [];
      continue;
    }
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(pending)!;
    instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, comments });
    pending = '';
    comments = [];
  }
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      stages.push({ from: m[1]!, name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      args.push(ins);
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages[dockerfile.stages.length - 1]!;
const all = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);
const last = (stage: Stage, keyword: string): Instruction => {
  const found = all(stage, keyword);
  if (found.length === 0) throw new Error(`no ${keyword} in the runtime stage`);
  return found[found.length - 1]!;
};
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};

let docs: K8sObject[];
beforeAll(() => {
  ensureTools();
  docs = helmTemplate({}).docs;
}, FETCH_TIMEOUT_MS);

describe('Dockerfile rules', () => {
  test('every stage builds on the Node 24 LTS Debian bookworm slim image, pinned by major', () => {
    const nodeArg = dockerfile.args.find(
      (a) => a.keyword === 'ARG' && a.args.startsWith('NODE_IMAGE='),
    );
    expect(nodeArg?.args).toBe('NODE_IMAGE=node:24-bookworm-slim');
    for (const stage of dockerfile.stages) expect(stage.from).toBe('${NODE_IMAGE}');
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
  });

  test('multi-stage: dev dependencies only in the build stage, production ones in the image', () => {
    const runs = (s: Stage): string =>
      all(s, 'RUN')
        .map((i) => i.args)
        .join('\n');
    const [build, deps] = dockerfile.stages;
    expect(runs(build!)).toMatch(/npm ci\b(?!.*--omit=dev)/);
    expect(runs(build!)).toMatch(/npm run build/);
    expect(runs(deps!)).toMatch(/npm ci --omit=dev/);
    expect(runs(runtime)).toBe(''); // nothing installed or compiled in the final stage
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=deps /app/node_modules ./node_modules');
    expect(copies).toContain('--from=build /src/dist ./dist');
  });

  test('hadolint-style rules: COPY not ADD, exec-form entry point, absolute WORKDIR, no cd, no latest', () => {
    for (const stage of dockerfile.stages) {
      expect(all(stage, 'ADD')).toEqual([]);
      for (const w of all(stage, 'WORKDIR')) expect(w.args).toMatch(/^\//);
      for (const r of all(stage, 'RUN')) {
        expect(r.args).not.toMatch(/(^|&&|;)\s*cd\s/); // DL3003: use WORKDIR
        expect(r.args).not.toMatch(/\bsudo\b/); // DL3004
        if (/apt-get install/.test(r.args)) expect(r.args).toMatch(/--no-install-recommends/); // DL3015
      }
    }
    expect(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).not.toMatch(/:latest\b/); // DL3007
    for (const k of ['ENTRYPOINT', 'CMD'])
      expect(() => JSON.parse(last(runtime, k).args) as unknown).not.toThrow();
  });

  test('runs as a numeric non-root user, exposes 8080 and 9901, healthcheck off with a reason', () => {
    expect(last(runtime, 'USER').args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(last(runtime, 'EXPOSE').args.split(/\s+/).sort()).toEqual(['8080', '9901']);
    const healthcheck = last(runtime, 'HEALTHCHECK');
    expect(healthcheck.args).toBe('NONE');
    expect(healthcheck.comments.join(' ')).toMatch(/Kubernetes/);
  });
});

describe('the image and the chart agree', () => {
  const proxy = (): K8sObject => container(find(docs, 'Deployment', 'rrproxy'), 'proxy');

  test('the chart runs as the image user', () => {
    const [uid, gid] = last(runtime, 'USER').args.split(':').map(Number);
    const pod = get(find(docs, 'Deployment', 'rrproxy'), 'spec', 'template', 'spec');
    expect(get(pod, 'securityContext', 'runAsUser')).toBe(uid);
    expect(get(pod, 'securityContext', 'runAsGroup')).toBe(gid);
    expect(get(proxy(), 'securityContext', 'runAsUser')).toBe(uid);
  });

  test('the exposed ports are the container ports', () => {
    const ports = (get(proxy(), 'ports') as K8sObject[]).map((p) =>
      String(get(p, 'containerPort')),
    );
    expect(ports.sort()).toEqual(last(runtime, 'EXPOSE').args.split(/\s+/).sort());
  });

  test('the chart command and args are the image ENTRYPOINT and CMD', () => {
    expect(get(proxy(), 'command')).toEqual(JSON.parse(last(runtime, 'ENTRYPOINT').args));
    expect(get(proxy(), 'args')).toEqual(JSON.parse(last(runtime, 'CMD').args));
  });

  test('both entry points are the package bins under the image WORKDIR', () => {
    const workdir = last(runtime, 'WORKDIR').args;
    expect(JSON.parse(last(runtime, 'ENTRYPOINT').args)).toEqual([
      'node',
      path.posix.join(workdir, packageJson.bin['rrproxy']!),
    ]);
    const load = container(find(docs, 'Job', 'rrproxy-load'), 'load');
    expect(get(load, 'command')).toEqual([
      'node',
      path.posix.join(workdir, packageJson.bin['rrproxy-client']!),
    ]);
  });

  test('the exec preStop fallback uses a binary the Debian base has', () => {
    const older = helmTemplate({ kubeVersion: '1.29.0' }).docs;
    const command = get(
      container(find(older, 'Deployment', 'rrproxy'), 'proxy'),
      'lifecycle',
      'preStop',
      'exec',
      'command',
    );
    expect(command).toEqual(['/bin/sleep', '5']);
    // coreutils is Essential in Debian, so every bookworm image (slim too) has /bin/sleep.
    expect(dockerfile.args.find((a) => a.keyword === 'ARG')?.args).toMatch(/bookworm/);
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  /** Docker's rule: the last matching pattern wins; "!" re-includes. Enough for our patterns. */
  function excluded(file: string): boolean {
    let out = false;
    for (const p of patterns) {
      const negate = p.startsWith('!');
      const pat = (negate ? p.slice(1) : p).replace(/\/$/, '');
      const re = new RegExp(
        `^${pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`,
      );
      if (re.test(file)) out = !negate;
    }
    return out;
  }

  test('keeps node_modules, dist, .git, .tools, tests and secrets out of the build context', () => {
    for (const f of [
      'node_modules/x/index.js',
      'dist/main.js',
      '.git/HEAD',
      '.tools/helm',
      'test/a.test.ts',
      '.npmrc',
      'k8s/proxy.yaml',
    ]) {
      expect({ f, excluded: excluded(f) }).toEqual({ f, excluded: true });
    }
  });

  test('lets in everything the Dockerfile copies from the context', () => {
    const fromContext = dockerfile.stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.args.startsWith('--from='))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(fromContext.sort()).toEqual(
      [
        'package-lock.json',
        'package-lock.json',
        'package.json',
        'package.json',
        'package.json',
        'src',
        'tsconfig.build.json',
        'tsconfig.json',
      ].sort(),
    );
    for (const f of fromContext)
      expect({ f, excluded: excluded(f) }).toEqual({ f, excluded: false });
    expect(excluded('src/main.ts')).toBe(false);
  });
});
