import type { EndpointPortLike } from './k8s-types';

export type PortChoice = { readonly port: number } | { readonly problem: string };

function describe(p: EndpointPortLike): string {
  return `${p.name ? p.name : '(unnamed)'}=${p.port ?? '?'}`;
}

/**
 * Picks the backend port out of an EndpointSlice's (or Endpoints subset's) ports. Slices carry the
 * *Service* port's name, so `portName` is the Service port name; '' means "the only port". Only
 * TCP counts (protocol unset means TCP), and a port without a number is unusable: KEP-1669 leaves
 * its meaning to the consumer and an HTTP proxy cannot guess it.
 */
export function pickPort(
  ports: readonly EndpointPortLike[] | null | undefined,
  portName: string,
  where: string,
): PortChoice {
  const tcp = (ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  const candidates = portName === '' ? tcp : tcp.filter((p) => (p.name ?? '') === portName);
  if (candidates.length === 0) {
    const has = tcp.length > 0 ? tcp.map(describe).join(', ') : 'no TCP port';
    return {
      problem:
        portName === ''
          ? `${where} has no TCP port`
          : `${where} has no TCP port named "${portName}" (has: ${has})`,
    };
  }
  if (candidates.length > 1) {
    return {
      problem: `${where} has ${candidates.length} TCP ports (${candidates.map(describe).join(', ')}); set discovery.portName to the Service port name`,
    };
  }
  const port = candidates[0]?.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return { problem: `${where} port ${describe(candidates[0] ?? {})} has no usable number` };
  }
  return { port };
}
