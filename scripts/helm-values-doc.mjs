#!/usr/bin/env node
// The values table of helm/README.md, generated from helm/values.yaml's `# --` comments (the
// helm-docs convention), so the table and the defaults cannot disagree.
//
//   node scripts/helm-values-doc.mjs           print the table
//   node scripts/helm-values-doc.mjs --write   rewrite it in helm/README.md between the markers
//   node scripts/helm-values-doc.mjs --check   exit 1 when helm/README.md's table is out of date
//   node scripts/helm-values-doc.mjs --values FILE   read another values file
//
// A value is documented by a `# -- text` comment above its key. A documented map is one row
// (its default shown as JSON) unless its children are documented too, then each child is a row.
// An undocumented leaf is an error: test/packaging/values-doc.test.ts fails on it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { isMap, isSeq, parseDocument } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const START = '<!-- values-table:start -->';
export const END = '<!-- values-table:end -->';

/** The `-- ` paragraph of a comment (the part after the last line starting with "--"). */
function description(comment) {
  if (!comment) return undefined;
  const lines = comment.split('\n').map((l) => l.trim());
  const at = lines.findLastIndex((l) => l.startsWith('-- '));
  if (at < 0) return undefined;
  return lines.slice(at).join(' ').replace(/^-- /, '').replace(/\s+/g, ' ').trim();
}

/** The comment above a key. The yaml parser hangs the one above a nested map's first key on the
 * map itself, so both places are read. */
function commentOf(map, pair, index) {
  return [index === 0 ? map.commentBefore : undefined, pair.key?.commentBefore]
    .filter((c) => typeof c === 'string')
    .join('\n');
}

/** Whether any value below this map carries its own description. */
function hasDocumentedChild(map) {
  return map.items.some(
    (pair, i) =>
      description(commentOf(map, pair, i)) !== undefined ||
      (isMap(pair.value) && hasDocumentedChild(pair.value)),
  );
}

/** Rows { key, default, description } and the keys lacking a description. */
export function valuesRows(text = readFileSync(join(ROOT, 'helm', 'values.yaml'), 'utf8')) {
  const doc = parseDocument(text);
  const rows = [];
  const undocumented = [];
  const walk = (map, prefix) => {
    map.items.forEach((pair, i) => {
      const key = `${prefix}${pair.key.value}`;
      const desc = description(commentOf(map, pair, i));
      const value = pair.value;
      if (isMap(value) && value.items.length > 0 && hasDocumentedChild(value)) {
        if (desc) rows.push({ key, default: '', description: desc });
        walk(value, `${key}.`);
        return;
      }
      if (isMap(value) && value.items.length > 0 && !desc) {
        walk(value, `${key}.`);
        return;
      }
      if (!desc) {
        undocumented.push(key);
        return;
      }
      const js = value?.toJSON?.() ?? null;
      rows.push({
        key,
        default:
          isMap(value) || isSeq(value) || typeof js !== 'string' ? JSON.stringify(js) : `"${js}"`,
        description: desc,
      });
    });
  };
  walk(doc.contents, '');
  return { rows, undocumented };
}

export function valuesTable(text) {
  const { rows } = valuesRows(text);
  const cell = (s) => s.replace(/\|/g, '\\|');
  return [
    '| Key | Default | Description |',
    '| --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| \`${r.key}\` | ${r.default === '' ? '' : `\`${cell(r.default)}\``} | ${cell(r.description)} |`,
    ),
  ].join('\n');
}

/** README text with the table between the markers replaced. */
export function withTable(readme, table) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`helm/README.md lacks ${START} ... ${END}`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--values');
  const valuesText = readFileSync(
    at > 0 ? process.argv[at + 1] : join(ROOT, 'helm', 'values.yaml'),
    'utf8',
  );
  const { undocumented } = valuesRows(valuesText);
  if (undocumented.length > 0) {
    process.stderr.write(`undocumented values: ${undocumented.join(', ')}\n`);
    process.exitCode = 1;
  }
  const file = join(ROOT, 'helm', 'README.md');
  if (process.argv.includes('--write') || process.argv.includes('--check')) {
    const current = readFileSync(file, 'utf8');
    // Formatted as `prettier --check .` wants it (prettier aligns markdown tables).
    const options = (await prettier.resolveConfig(file)) ?? {};
    const next = await prettier.format(withTable(current, valuesTable(valuesText)), {
      ...options,
      filepath: file,
    });
    if (process.argv.includes('--write')) {
      writeFileSync(file, next);
    } else if (next !== current) {
      process.stderr.write(
        'helm/README.md values table is out of date: node scripts/helm-values-doc.mjs --write\n',
      );
      process.exitCode = 1;
    }
  } else {
    process.stdout.write(`${valuesTable(valuesText)}\n`);
  }
}
