import { startEchoBackend } from './echo-backend';
import { startNginx, type NginxBackends } from './nginx';
import { startProxy, type ProxyProcess } from './proxy-process';
import type { RawServer } from './raw-http';
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

/** nginx behind one proxy, and an echo backend (see echo-backend.ts) behind another. */
export interface NginxAndEchoProxyRig {
  readonly ngx: NginxBackends;
  readonly ngxProxy: ProxyProcess;
  readonly echo: RawServer;
  readonly echoProxy: ProxyProcess;
}

/**
 * Starts nginx and an echo backend, each with its own proxy in front, before the file's tests
 * (beforeAll), and stops them after (afterAll), the proxies first. Read the fields inside tests
 * only.
 */
export function nginxAndEchoProxyRig(): NginxAndEchoProxyRig {
  let ngx: NginxBackends | undefined;
  let ngxProxy: ProxyProcess | undefined;
  let echo: RawServer | undefined;
  let echoProxy: ProxyProcess | undefined;

  beforeAll(async () => {
    ngx = await startNginx();
    echo = await startEchoBackend('echo');
    [ngxProxy, echoProxy] = await Promise.all([
      startProxy({ backends: ngx.addresses }),
      startProxy({ backends: [echo.address] }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([ngxProxy?.stop(), echoProxy?.stop()]);
    await Promise.all([ngx?.stop(), echo?.stop()]);
  });

  return {
    get ngx() {
      return started(ngx, 'nginx');
    },
    get ngxProxy() {
      return started(ngxProxy, 'the nginx proxy');
    },
    get echo() {
      return started(echo, 'the echo backend');
    },
    get echoProxy() {
      return started(echoProxy, 'the echo proxy');
    },
  };
}
