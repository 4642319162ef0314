/**
 * The YAML config file as a source of settings. The document is parsed with a LineCounter and
 * its node ranges are indexed by key path, so that every problem names the key and its line.
 */
import { readFile } from 'node:fs/promises';
import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
} from 'yaml';

import { describe } from './address';
import type { ConfigProblem } from './errors';
import type { Origin, Setting } from './origin';
import { childKeys, closest, fieldOf, GROUPS, shorthandOf } from './schema';

export interface SourceResult {
  readonly settings: Setting[];
  readonly problems: ConfigProblem[];
}

interface Position {
  line: number;
  column: number;
}

// Anchors and aliases can nest; a bound keeps a hostile document from recursing forever.
const MAX_DEPTH = 64;

/** Maps "timeouts.connect", "backends[1]", "backends[1].port" to the position of that key/item. */
function indexPositions(doc: Document, lc: LineCounter): Map<string, Position> {
  const positions = new Map<string, Position>();
  const at = (offset: number): Position => {
    const { line, col } = lc.linePos(offset);
    return { line, column: col };
  };
  const visit = (node: unknown, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    const target = isAlias(node) ? node.resolve(doc) : node;
    if (isMap(target)) {
      for (const pair of target.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        const keyPath = path === '' ? name : `${path}.${name}`;
        if (pair.key.range && !positions.has(keyPath))
          positions.set(keyPath, at(pair.key.range[0]));
        visit(pair.value, keyPath, depth + 1);
      }
    } else if (isSeq(target)) {
      target.items.forEach((item, i) => {
        const itemPath = `${path}[${i}]`;
        const range = isNode(item) ? item.range : undefined;
        if (range && !positions.has(itemPath)) positions.set(itemPath, at(range[0]));
        visit(item, itemPath, depth + 1);
      });
    }
  };
  visit(doc.contents, '', 0);
  return positions;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses config text; `file` is only used in messages. Pure: no I/O. */
export function parseConfigText(text: string, file: string): SourceResult {
  const settings: Setting[] = [];
  const problems: ConfigProblem[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });

  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const { line, col } = lc.linePos(err.pos[0]);
      const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      problems.push({
        source: 'file',
        line,
        column: col,
        message: `YAML syntax error at line ${line}, column ${col} of ${file}: ${reason}`,
      });
    }
    return { settings, problems };
  }

  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    problems.push({ source: 'file', message: `cannot read ${file}: ${reason}` });
    return { settings, problems };
  }
  if (root === null || root === undefined) return { settings, problems }; // empty file: defaults

  const positions = indexPositions(doc, lc);
  const origin = (path: string): Origin => {
    const pos = positions.get(path);
    return pos === undefined
      ? { source: 'file', file }
      : { source: 'file', file, line: pos.line, column: pos.column };
  };
  const where = (path: string): string => {
    const pos = positions.get(path);
    return pos === undefined ? `in ${file}` : `at line ${pos.line} of ${file}`;
  };
  /** A problem of `path`, placed at the line of `located` (an enclosing key when `path` has none). */
  const problem = (path: string, message: string, located = path): void => {
    const pos = positions.get(located);
    problems.push({
      key: path,
      source: 'file',
      ...(pos === undefined ? {} : { line: pos.line, column: pos.column }),
      message,
    });
  };

  if (!isMapping(root)) {
    problems.push({
      source: 'file',
      line: 1,
      message: `${file} must be a mapping of keys (${childKeys('').join(', ')}), got ${describe(root)}`,
    });
    return { settings, problems };
  }

  const walk = (mapping: Record<string, unknown>, parent: string): void => {
    for (const [name, value] of Object.entries(mapping)) {
      const key = parent === '' ? name : `${parent}.${name}`;
      // "timeouts.connect: 5s" at the top level would alias the nested key and make two
      // spellings of one setting, the later silently winning: keys are nested, never dotted.
      const spec = name.includes('.') ? undefined : fieldOf(key);
      if (spec !== undefined) {
        const r = spec.kind.fromValue(value);
        if (r.ok) {
          settings.push({ key, value: r.value, origin: origin(key) });
        } else {
          // Point at the inner item when the kind says where ("backends[1].port").
          const inner = r.at === undefined ? key : `${key}${r.at}`;
          const located = positions.has(inner) ? inner : key;
          problem(inner, `${inner} ${where(located)}: ${r.message}`, located);
        }
      } else if (!name.includes('.') && GROUPS.has(key)) {
        if (value === null) continue; // "timeouts:" with every child commented out
        const shorthand = shorthandOf(key);
        if (shorthand !== undefined && !isMapping(value)) {
          // `strategy: round-robin` is short for `strategy: { name: round-robin }`.
          const r = fieldOf(shorthand)!.kind.fromValue(value);
          if (r.ok) settings.push({ key: shorthand, value: r.value, origin: origin(key) });
          else problem(key, `${key} ${where(key)}: ${r.message}`);
          continue;
        }
        if (!isMapping(value)) {
          problem(
            key,
            `${key} ${where(key)}: expected a mapping of ${key}.* keys, got ${describe(value)}`,
          );
          continue;
        }
        walk(value, key);
      } else {
        const suggestion = closest(name, childKeys(parent));
        const dot = name.indexOf('.');
        const hint =
          dot > 0 && fieldOf(key) !== undefined
            ? ` (keys are nested: write '${name.slice(0, dot)}:' and '${name.slice(dot + 1)}:' indented under it)`
            : suggestion === undefined
              ? ` (known keys${parent === '' ? '' : ` of ${parent}`}: ${childKeys(parent).join(', ')})`
              : ` (did you mean '${parent === '' ? suggestion : `${parent}.${suggestion}`}'?)`;
        problem(key, `unknown key '${key}' ${where(key)}${hint}`);
      }
    }
  };
  walk(root, '');
  return { settings, problems };
}

/** Reads and parses a config file; an unreadable file is a problem, not an exception. */
export async function readConfigFile(path: string): Promise<SourceResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : err instanceof Error
              ? err.message
              : String(err);
    return {
      settings: [],
      problems: [
        { key: path, source: 'file', message: `cannot read config file '${path}': ${reason}` },
      ],
    };
  }
  return parseConfigText(text, path);
}
