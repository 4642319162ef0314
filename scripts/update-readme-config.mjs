#!/usr/bin/env node
// Regenerates the configuration table in README.md from the config schema (dist must be built).
// `npm run docs` runs it; test/docs/readme.test.ts fails when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { renderConfigTable } = require('../dist/config/table.js');
const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a === -1 || b === -1) throw new Error('README.md lacks the config-table markers');
const next = readme.slice(0, a + START.length) + '\n' + renderConfigTable() + readme.slice(b);
writeFileSync(new URL('../README.md', import.meta.url), next);
