import {
  endpointSlicesToBackendSet,
  resolveAddressFamily,
  type SliceTranslationOptions,
} from '../../src/discovery/endpoint-slices';
import type { EndpointSliceLike, SliceEndpointLike } from '../../src/discovery/k8s-types';

function ep(
  ip: string,
  conditions?: SliceEndpointLike['conditions'],
  extra: Partial<SliceEndpointLike> = {},
): SliceEndpointLike {
  return { addresses: [ip], ...(conditions !== undefined ? { conditions } : {}), ...extra };
}

function slice(
  name: string,
  endpoints: SliceEndpointLike[],
  over: Partial<EndpointSliceLike> = {},
): EndpointSliceLike {
  return {
    metadata: { name },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints,
    ...over,
  };
}

const AUTO: SliceTranslationOptions = { portName: '', addressFamily: 'auto' };

interface Row {
  name: string;
  slices: EndpointSliceLike[];
  options?: Partial<SliceTranslationOptions>;
  /** ids in the resulting set, in order; a trailing '*' marks a terminating fallback backend. */
  want: string[];
  problems?: RegExp[];
}

const rows: Row[] = [
  { name: 'no slices', slices: [], want: [] },
  {
    name: 'empty placeholder slice (no ports, no endpoints)',
    slices: [slice('a', [], { ports: null })],
    want: [],
  },
  {
    name: 'ready unset counts as ready',
    slices: [slice('a', [ep('10.0.0.1'), ep('10.0.0.2', {})])],
    want: ['10.0.0.1:8080', '10.0.0.2:8080'],
  },
  {
    name: 'ready null counts as ready',
    slices: [slice('a', [ep('10.0.0.1', { ready: null, serving: null, terminating: null })])],
    want: ['10.0.0.1:8080'],
  },
  {
    name: 'not ready is dropped while others are ready',
    slices: [
      slice('a', [
        ep('10.0.0.1', { ready: true }),
        ep('10.0.0.2', { ready: false, serving: false }),
      ]),
    ],
    want: ['10.0.0.1:8080'],
  },
  {
    name: 'ready wins over serving+terminating',
    slices: [
      slice('a', [
        ep('10.0.0.1', { ready: true }),
        ep('10.0.0.2', { ready: false, serving: true, terminating: true }),
      ]),
    ],
    want: ['10.0.0.1:8080'],
  },
  {
    name: 'none ready: serving+terminating fallback',
    slices: [
      slice('a', [
        ep('10.0.0.1', { ready: false, serving: true, terminating: true }),
        ep('10.0.0.2', { ready: false, terminating: true }), // serving unset = true
        ep('10.0.0.3', { ready: false, serving: false, terminating: true }),
        ep('10.0.0.4', { ready: false, serving: true, terminating: false }),
      ]),
    ],
    want: ['10.0.0.1:8080*', '10.0.0.2:8080*'],
  },
  {
    name: 'none ready, none serving+terminating: empty',
    slices: [
      slice('a', [
        ep('10.0.0.1', { ready: false, serving: false, terminating: true }),
        ep('10.0.0.2', { ready: false }),
      ]),
    ],
    want: [],
  },
  {
    name: 'merged across slices, sorted by id',
    slices: [slice('b', [ep('10.0.0.3')]), slice('a', [ep('10.0.0.2'), ep('10.0.0.1')])],
    want: ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'],
  },
  {
    name: 'duplicate address across slices counts once',
    slices: [
      slice('a', [ep('10.0.0.1'), ep('10.0.0.2')]),
      slice('b', [ep('10.0.0.2'), ep('10.0.0.3')]),
    ],
    want: ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'],
  },
  {
    name: 'only the first address of an endpoint is used',
    slices: [slice('a', [{ addresses: ['10.0.0.1', '10.0.0.9'] }])],
    want: ['10.0.0.1:8080'],
  },
  {
    name: 'port by Service port name, per slice',
    slices: [
      slice('a', [ep('10.0.0.1')], {
        ports: [
          { name: 'metrics', port: 9090 },
          { name: 'http', port: 8080 },
        ],
      }),
      slice('b', [ep('10.0.0.2')], { ports: [{ name: 'http', port: 8081 }] }),
    ],
    options: { portName: 'http' },
    want: ['10.0.0.1:8080', '10.0.0.2:8081'],
  },
  {
    name: 'the only port, unnamed',
    slices: [slice('a', [ep('10.0.0.1')], { ports: [{ name: '', port: 3000 }] })],
    want: ['10.0.0.1:3000'],
  },
  {
    name: 'several ports without portName: slice skipped with a problem',
    slices: [
      slice('a', [ep('10.0.0.1')], {
        ports: [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 9090 },
        ],
      }),
    ],
    want: [],
    problems: [/2 TCP ports.*discovery\.portName/],
  },
  {
    name: 'named port missing: problem',
    slices: [slice('a', [ep('10.0.0.1')])],
    options: { portName: 'grpc' },
    want: [],
    problems: [/no TCP port named "grpc" \(has: http=8080\)/],
  },
  {
    name: 'UDP ports are not ours',
    slices: [
      slice('a', [ep('10.0.0.1')], {
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'http', port: 8080 },
        ],
      }),
    ],
    want: ['10.0.0.1:8080'],
  },
  {
    name: 'a port without a number is unusable',
    slices: [slice('a', [ep('10.0.0.1')], { ports: [{ name: 'http', port: null }] })],
    want: [],
    problems: [/no usable number/],
  },
  {
    name: 'FQDN slices are ignored',
    slices: [
      slice('f', [ep('web.example.com')], { addressType: 'FQDN' }),
      slice('a', [ep('10.0.0.1')]),
    ],
    want: ['10.0.0.1:8080'],
  },
  {
    name: 'dual-stack, auto: family of the first slice seen, one address per pod',
    slices: [
      slice('web-v6', [ep('fd00::1', undefined, { targetRef: { kind: 'Pod', name: 'p1' } })], {
        addressType: 'IPv6',
      }),
      slice('web-v4', [ep('10.0.0.1', undefined, { targetRef: { kind: 'Pod', name: 'p1' } })]),
    ],
    want: ['[fd00::1]:8080'],
  },
  {
    name: 'dual-stack, IPv4 configured',
    slices: [
      slice('web-v6', [ep('fd00::1'), ep('fd00::2')], { addressType: 'IPv6' }),
      slice('web-v4', [ep('10.0.0.1'), ep('10.0.0.2')]),
    ],
    options: { addressFamily: 'IPv4' },
    want: ['10.0.0.1:8080', '10.0.0.2:8080'],
  },
  {
    name: 'IPv6 address case is canonicalised and deduped',
    slices: [
      slice('a', [ep('FD00::A')], { addressType: 'IPv6' }),
      slice('b', [ep('fd00::a')], { addressType: 'IPv6' }),
    ],
    want: ['[fd00::a]:8080'],
  },
  {
    name: 'an address of the wrong family in a slice is skipped with a problem',
    slices: [slice('a', [ep('fd00::1'), ep('10.0.0.1')])],
    want: ['10.0.0.1:8080'],
    problems: [/"fd00::1" is not an IPv4 address/],
  },
  {
    name: 'an endpoint without addresses is skipped',
    slices: [slice('a', [{ addresses: [] }, { addresses: null }, ep('10.0.0.1')])],
    want: ['10.0.0.1:8080'],
  },
];

describe('endpointSlicesToBackendSet', () => {
  test.each(rows)('$name', (row) => {
    const t = endpointSlicesToBackendSet(row.slices, { ...AUTO, ...row.options });
    expect(t.set.backends.map((b) => `${b.id}${b.terminating ? '*' : ''}`)).toEqual(row.want);
    for (const re of row.problems ?? []) expect(t.problems.some((p) => re.test(p))).toBe(true);
    if (!row.problems) expect(t.problems).toEqual([]);
  });

  test('backends carry pod name (Pod targetRef only) and zone', () => {
    const t = endpointSlicesToBackendSet(
      [
        slice('a', [
          ep('10.0.0.1', undefined, {
            targetRef: { kind: 'Pod', name: 'web-1', namespace: 'x' },
            zone: 'eu-1a',
          }),
          ep('10.0.0.2', undefined, { targetRef: { kind: 'Node', name: 'node-7' } }),
          ep('10.0.0.3', undefined, { targetRef: { name: 'web-3' } }),
        ]),
      ],
      AUTO,
    );
    expect(t.set.backends.map((b) => [b.host, b.port, b.pod, b.zone, b.terminating])).toEqual([
      ['10.0.0.1', 8080, 'web-1', 'eu-1a', undefined],
      ['10.0.0.2', 8080, undefined, undefined, undefined],
      ['10.0.0.3', 8080, 'web-3', undefined, undefined],
    ]);
  });

  test('resolveAddressFamily: configured, first IP slice, else IPv4', () => {
    const v6 = slice('a', [], { addressType: 'IPv6' });
    const fq = slice('f', [], { addressType: 'FQDN' });
    expect(resolveAddressFamily([fq, v6], 'auto')).toBe('IPv6');
    expect(resolveAddressFamily([v6], 'IPv4')).toBe('IPv4');
    expect(resolveAddressFamily([fq], 'auto')).toBe('IPv4');
    expect(endpointSlicesToBackendSet([v6], AUTO).family).toBe('IPv6');
  });
});
