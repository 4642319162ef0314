import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { ConfigError } from '../config/errors';

export type KubeClientLibrary = typeof K8s;

/** Where Kubernetes mounts a pod's service-account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Loads @kubernetes/client-node on first use. The package is ESM-only; our CommonJS build
 * require()s it, which Node >= 20.19 and 22.12 do natively. Loading lazily keeps static-mode
 * runs (and every module that merely imports discovery) free of the library's cost and of its
 * loader requirements.
 */
export function loadKubeClientLibrary(): KubeClientLibrary {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
    return require('@kubernetes/client-node') as KubeClientLibrary;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') {
      throw new Error(
        `Kubernetes discovery needs Node.js >= 20.19 or >= 22.12 (running ${process.version}): ` +
          '@kubernetes/client-node is an ES module and older versions cannot require() it',
      );
    }
    throw err;
  }
}

/**
 * No usable client configuration: a configuration mistake, so it is a ConfigError and main
 * exits with 2 and this message rather than a stack trace.
 */
export class KubeConfigError extends ConfigError {
  readonly code = 'RRP_ERR_KUBECONFIG';
  constructor(message: string) {
    super([{ key: 'discovery.kubeconfig', source: 'config', message }]);
    this.name = 'KubeConfigError';
  }
}

/**
 * The client configuration, in the documented order: `discovery.kubeconfig`, else `KUBECONFIG`
 * (a path list, merged as kubectl does), else the in-cluster service account.
 */
export function loadKubeConfig(
  lib: KubeClientLibrary,
  kubeconfigPath: string,
  env: NodeJS.ProcessEnv = process.env,
): { kc: K8s.KubeConfig; source: string } {
  const kc = new lib.KubeConfig();
  try {
    if (kubeconfigPath !== '') {
      kc.loadFromFile(kubeconfigPath);
      return { kc, source: `kubeconfig ${kubeconfigPath}` };
    }
    const fromEnv = env.KUBECONFIG ?? '';
    if (fromEnv !== '') {
      const files = fromEnv.split(path.delimiter).filter((f) => f !== '');
      const first = files[0];
      if (first === undefined) throw new Error('KUBECONFIG lists no file');
      kc.loadFromFile(first);
      for (const f of files.slice(1)) {
        const more = new lib.KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
      return { kc, source: `KUBECONFIG ${fromEnv}` };
    }
  } catch (err) {
    throw new KubeConfigError(`cannot load kubeconfig: ${(err as Error).message}`);
  }
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
    throw new KubeConfigError(
      'Kubernetes discovery needs discovery.kubeconfig, KUBECONFIG, or to run in a pod ' +
        '(KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set)',
    );
  }
  kc.loadFromCluster();
  return { kc, source: 'in-cluster service account' };
}

/**
 * The namespace to watch: configured, else the pod's own (service-account file), else the
 * kubeconfig context's, else "default".
 */
export function resolveNamespace(
  configured: string,
  kc: K8s.KubeConfig,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): string {
  if (configured !== '') return configured;
  const file = path.join(serviceAccountDir, 'namespace');
  if (existsSync(file)) {
    const ns = readFileSync(file, 'utf8').trim();
    if (ns !== '') return ns;
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace || 'default';
}
