import { lookup as dnsLookup } from 'node:dns/promises';

import { BackendSet, makeBackend, type Backend } from '../balancer/backend';
import { isIPv4, isIPv6 } from '../config/cidr';
import { ConfigError, type ConfigProblem } from '../config/errors';
import type { BackendConfig } from '../config/types';
import type { Discovery } from './discovery';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a hostname to all its addresses; injectable so tests need no DNS. */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true });

/**
 * The `backends` list of the config as a discovery source. Hostnames are resolved once, at
 * start, with the system resolver (dns.lookup, so /etc/hosts applies); an IP literal is used as
 * is. One address per configured entry: the first IPv4 one when there is one, because an IPv4
 * route is the safer default on hosts with unreachable IPv6. A name that does not resolve is a
 * configuration mistake: start() throws a ConfigError naming it, and main exits with 2.
 */
export class StaticDiscovery implements Discovery {
  readonly kind = 'static';
  private isSynced = false;

  constructor(
    private readonly entries: readonly BackendConfig[],
    private readonly lookup: HostLookup = systemLookup,
  ) {}

  get synced(): boolean {
    return this.isSynced;
  }

  async start(onUpdate: (set: BackendSet) => void): Promise<void> {
    const problems: ConfigProblem[] = [];
    const backends = await Promise.all(
      this.entries.map(async (entry, i): Promise<Backend | undefined> => {
        try {
          const host = await this.resolve(entry.host);
          return makeBackend({ host, port: entry.port, weight: entry.weight });
        } catch (err) {
          const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          problems.push({
            key: `backends[${i}]`,
            source: 'config',
            message: `backends[${i}]: cannot resolve backend host '${entry.host}' (${reason})`,
          });
          return undefined;
        }
      }),
    );
    if (problems.length > 0) throw new ConfigError(problems);
    const set = new BackendSet(
      backends.filter((b): b is Backend => b !== undefined),
      1,
    );
    // Push first: readiness (which reads synced) must never see a sync without its backends.
    onUpdate(set);
    this.isSynced = true;
  }

  async stop(): Promise<void> {
    // Nothing to release: the list never changes after start.
  }

  private async resolve(host: string): Promise<string> {
    if (isIPv4(host) || isIPv6(host, true)) return host;
    const addresses = await this.lookup(host);
    const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
    if (chosen === undefined) throw new Error('no addresses');
    return chosen.address;
  }
}
