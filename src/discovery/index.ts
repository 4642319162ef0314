import type { Config } from '../config/types';
import type { Discovery } from './discovery';
import { KubernetesDiscovery, type DiscoveryLogger } from './kubernetes';
import { StaticDiscovery } from './static';

export type { Discovery } from './discovery';
export { KubernetesDiscovery } from './kubernetes';
export type { DiscoveryLogger, DiscoveryState, KubernetesDiscoveryStatus } from './kubernetes';

/**
 * The discovery source `discovery.mode` names. Creating one does no I/O: the Kubernetes client is
 * loaded and configured in start(), so a static-mode process never loads it.
 */
export function createDiscovery(config: Config, logger: DiscoveryLogger): Discovery {
  switch (config.discovery.mode) {
    case 'static':
      return new StaticDiscovery(config.backends);
    case 'endpointslices':
    case 'endpoints':
      return new KubernetesDiscovery(config.discovery, logger);
  }
}
