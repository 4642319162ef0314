// The top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), as a markdown table:
//   RRPROXY_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' PEERS=rrproxy SCENARIOS=1k-c50 npm run bench
//   node bench/profile-top.mjs /tmp/prof/CPU.*.cpuprofile [--top 25]
// Self time = samples whose innermost frame is that function; "(garbage collector)" and
// "(program)" (native code outside JS) are V8's own buckets. "(idle)" (waiting in epoll) is left
// out: percentages are of the busy time.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT_DIR } from './lib/options.mjs';

/** [{ name, where, selfMs, pct }] sorted by self time, from a parsed .cpuprofile. */
export function topSelf(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const ticks = new Map();
  for (const id of profile.samples) ticks.set(id, (ticks.get(id) ?? 0) + 1);
  const deltas = profile.timeDeltas ?? [];
  const totalUs = deltas.reduce((a, b) => a + b, 0) || profile.endTime - profile.startTime;
  const usPerSample = totalUs / Math.max(1, profile.samples.length);
  const byFn = new Map();
  for (const [id, n] of ticks) {
    const cf = byId.get(id).callFrame;
    const url = cf.url ? cf.url.replace(/^file:\/\//, '') : '';
    const where = url
      ? `${url.startsWith(ROOT_DIR) ? relative(ROOT_DIR, url) : url}:${cf.lineNumber + 1}`
      : '';
    const key = `${cf.functionName || '(anonymous)'}|${where}`;
    byFn.set(key, (byFn.get(key) ?? 0) + n);
  }
  const idle = [...byFn]
    .filter(([key]) => key.startsWith('(idle)|'))
    .reduce((a, [, n]) => a + n, 0);
  const total = profile.samples.length - idle || 1;
  return [...byFn]
    .filter(([key]) => !key.startsWith('(idle)|'))
    .map(([key, n]) => {
      const [name, where] = key.split('|');
      return {
        name,
        where,
        selfMs: Math.round((n * usPerSample) / 1000),
        pct: Number(((100 * n) / total).toFixed(1)),
      };
    })
    .sort((a, b) => b.selfMs - a.selfMs);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 25 : Number(args[topAt + 1]);
  const files = args.filter((a, i) => a !== '--top' && i !== topAt + 1);
  if (!files.length) {
    console.error('usage: node bench/profile-top.mjs file.cpuprofile [--top N]');
    process.exit(2);
  }
  for (const f of files) {
    console.log(`\n${f}\n\n| self % | self ms | function | where |\n|---|---|---|---|`);
    for (const r of topSelf(JSON.parse(readFileSync(f, 'utf8'))).slice(0, top)) {
      console.log(`| ${r.pct} | ${r.selfMs} | ${r.name} | ${r.where} |`);
    }
  }
}
