import { startNginx, type NginxBackends } from './nginx';
import { startProxy, type ProxyProcess } from './proxy-process';
import { started } from './rig';

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

  return {
    get ngx() {
      return started(ngx, 'nginx');
    },
    get proxy() {
      return started(proxy, 'the proxy');
    },
  };
}
