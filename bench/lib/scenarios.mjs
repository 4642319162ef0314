// Scenario names and what they mean.
//   load:   [cache-]<1k|100k|1m>-c<connections>[-close]   wrk GETs of one file
//           cache-...: the URL is under /cached/ (the backends mark it cacheable) and the
//           scenario runs against the cache peers (rrproxy-cache, nginx-cache) and direct
//           cachefill-...: the same, each request for one of FILL_KEYS distinct URLs
//           (?k=<random>), which overflows a 64 MiB cache with 100 KiB objects: peak RSS with
//           the cache full, and hit/miss/eviction churn
//   idle:   idle<N>[k]   N idle keep-alive client connections, RSS, then a new request
//   parser: the request-head parser micro-benchmark (bench/parser-micro.mjs)
//   fault:  killed-backend[-c<N>]   GET /index.html at N connections (default 50) through a
//           peer in front of three single-process backends; one is SIGKILLed during the load;
//           the client-visible errors are the result (lib/killed-backend.mjs)

const FILES = { '1k': '/index.html', '100k': '/100k.bin', '1m': '/1m.bin' };
/** Distinct URLs of a cachefill scenario: 2048 x 100 KiB = 200 MiB, three times the default cache. */
export const FILL_KEYS = 2048;

/** Parses a scenario name; throws on an unknown one. */
export function parseScenario(name) {
  if (name === 'parser') return { name, kind: 'parser' };
  let m = /^killed-backend(?:-c(\d+))?$/.exec(name);
  if (m) {
    return {
      name,
      kind: 'fault',
      size: '1k',
      path: FILES['1k'],
      connections: m[1] ? Number(m[1]) : 50,
      close: false,
      countBackends: true,
    };
  }
  m = /^idle(\d+)(k?)$/.exec(name);
  if (m) return { name, kind: 'idle', connections: Number(m[1]) * (m[2] ? 1000 : 1) };
  m = /^(cache-|cachefill-)?(1k|100k|1m)-c(\d+)(-close)?$/.exec(name);
  if (!m) {
    throw new Error(
      `unknown scenario "${name}" (expected [cache-|cachefill-]<1k|100k|1m>-c<N>[-close], idle<N>[k], killed-backend[-c<N>] or parser)`,
    );
  }
  const cached = Boolean(m[1]);
  const scenario = {
    name,
    kind: cached ? 'cache' : 'miss',
    size: m[2],
    path: (cached ? '/cached' : '') + FILES[m[2]],
    connections: Number(m[3]),
    close: Boolean(m[4]),
  };
  if (m[1] === 'cachefill-') scenario.keys = FILL_KEYS;
  return scenario;
}
