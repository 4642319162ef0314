import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigTable } from '../../src/config/table';

// The README's configuration table is generated from the schema; a default changed in code must
// show in the docs (`npm run docs` regenerates it).
test('README configuration table matches the config schema', () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('<!-- config-table:start -->');
  const end = readme.indexOf('<!-- config-table:end -->');
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  const table = readme.slice(start + '<!-- config-table:start -->'.length, end).trim();
  expect(table).toBe(renderConfigTable().trim());
});

test('README names the two commands a newcomer runs', () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  expect(readme).toContain('npm ci && npm run demo');
  expect(readme).toContain('npm ci && npm test');
});
