'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload script */
/**
 * Lets a plain `node` child process load our TypeScript sources directly, compiled on the fly by
 * @swc/core (already used by jest). Discovery tests run the Kubernetes client in a child process
 * because @kubernetes/client-node is ESM-only: Node >= 20.19 can require() it natively, but
 * jest's own module loader cannot on Node < 24.9.
 */
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
