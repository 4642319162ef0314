// Scenario names and what they mean.
//   load:   [cache-]<1k|100k|1m>-c<connections>[-close]   wrk GETs of one file
//           cache-...: the URL is under /cached/ (the backends mark it cacheable) and the
//           scenario runs against the cache peers (rrproxy-cache, nginx-cache) and direct
//   idle:   idle<N>[k]   N idle keep-alive client connections, RSS, then a new request
//   parser: the request-head parser micro-benchmark (bench/parser-micro.mjs)

const FILES = { '1k': '/index.html', '100k': '/100k.bin', '1m': '/1m.bin' };

/** Parses a scenario name; throws on an unknown one. */
export function parseScenario(name) {
  if (name === 'parser') return { name, kind: 'parser' };
  let m = /^idle(\d+)(k?)$/.exec(name);
  if (m) return { name, kind: 'idle', connections: Number(m[1]) * (m[2] ? 1000 : 1) };
  m = /^(cache-)?(1k|100k|1m)-c(\d+)(-close)?$/.exec(name);
  if (!m) {
    throw new Error(
      `unknown scenario "${name}" (expected [cache-]<1k|100k|1m>-c<N>[-close], idle<N>[k] or parser)`,
    );
  }
  const cached = Boolean(m[1]);
  return {
    name,
    kind: cached ? 'cache' : 'miss',
    size: m[2],
    path: (cached ? '/cached' : '') + FILES[m[2]],
    connections: Number(m[3]),
    close: Boolean(m[4]),
  };
}
