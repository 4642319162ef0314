// Differential conformance report: the corpus of test/conformance against rrproxy, nginx and
// HAProxy (Debian's /usr/sbin binaries), each in front of its own recording backend.
// Usage: npm run build && node bench/conformance/report.mjs [--json]
//   -> bench/conformance/latest.md (and latest.json, every observation, with --json)
// The harness is TypeScript; it is compiled on the fly with @swc/core (a devDependency, as jest uses).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const swc = require('@swc/core');
const Module = require('node:module');
const here = path.dirname(fileURLToPath(import.meta.url));

Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformFileSync(filename, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

const { runReport } = require('../../test/conformance/harness/report.ts');
const { readFileSync, writeFileSync } = require('node:fs');
const prettier = require('prettier');
const started = Date.now();
await runReport(
  path.join(here, 'latest.md'),
  process.argv.includes('--json') ? path.join(here, 'latest.json') : null,
);
// The repository's `prettier --check .` covers the report too.
const md = path.join(here, 'latest.md');
const options = (await prettier.resolveConfig(md)) ?? {};
writeFileSync(md, await prettier.format(readFileSync(md, 'utf8'), { ...options, filepath: md }));
console.log(
  `wrote ${path.join(here, 'latest.md')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(0);
