import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { started } from '../support/rig';
import { startCountingOrigin, type CountingOrigin } from './counting-origin';

/**
 * The test rig of the cache integration files: a counting origin and, in front of it, a real
 * proxy process started with `--cache`.
 */
export interface CachingProxyRig {
  readonly origin: CountingOrigin;
  readonly proxy: ProxyProcess;
}

/**
 * The setup every cache integration file shares: starts the origin and the proxy before the
 * file's tests (beforeAll) and stops both after them (afterAll), proxy first. Call it at the top
 * level of the test file; read `origin` and `proxy` inside tests only (they exist once beforeAll
 * ran). `env` adds RRPROXY_* settings (cache size, purge token...).
 */
export function cachingProxyRig(opts: { env?: Record<string, string> } = {}): CachingProxyRig {
  let origin: CountingOrigin | undefined;
  let proxy: ProxyProcess | undefined;

  beforeAll(async () => {
    origin = await startCountingOrigin();
    proxy = await startProxy({
      backends: [origin.address],
      extraArgs: ['--cache'],
      ...(opts.env === undefined ? {} : { env: opts.env }),
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await origin?.stop();
  });

  return {
    get origin() {
      return started(origin, 'the counting origin');
    },
    get proxy() {
      return started(proxy, 'the caching proxy');
    },
  };
}
