import { isIPv4, isIPv6 } from 'node:net';
import type { IpFamily } from './k8s-types';

/** The family of an IP literal, or undefined when it is not one. */
export function familyOf(address: string): IpFamily | undefined {
  if (isIPv4(address)) return 'IPv4';
  if (isIPv6(address)) return 'IPv6';
  return undefined;
}

/**
 * A canonical spelling so the same address written twice (e.g. `FD00::1` and `fd00::1`) dedupes
 * and keeps a stable backend id. IPv6 is lower-cased; zero compression is left as sent, which is
 * what the API server validates and emits.
 */
export function canonicalAddress(address: string): string {
  return isIPv6(address) ? address.toLowerCase() : address;
}
