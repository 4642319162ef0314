import { startNginx, type NginxBackends } from './nginx';
import { startProxy, type ProxyProcess } from './proxy-process';

/** Three real nginx backends (see nginx.ts) and a real proxy process in front of them. */
export interface NginxProxyRig {
  readonly ngx: NginxBackends;
  readonly proxy: ProxyProcess;
}

/**
 * Starts nginx and the proxy before the file's tests (beforeAll) and stops both after them
 * (afterAll), proxy first. Call it at the top level of the test file; read `ngx` and `proxy`
 * inside tests only (they exist once beforeAll ran).
 */
export function nginxProxyRig(): NginxProxyRig {
  let ngx: NginxBackends | undefined;
  let proxy: ProxyProcess | undefined;

  beforeAll(async () => {
    ngx = await startNginx();
    proxy = await startProxy({ backends: ngx.addresses });
  });

  afterAll(async () => {
    await proxy?.stop();
    await ngx?.stop();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the nginx proxy rig has no ${what} yet`);
    return value;
  };
  return {
    get ngx() {
      return started(ngx, 'nginx');
    },
    get proxy() {
      return started(proxy, 'proxy');
    },
  };
}
