import { endpointsToBackendSet } from '../../src/discovery/endpoints';
import type { EndpointsLike } from '../../src/discovery/k8s-types';

const ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];

interface Row {
  name: string;
  objects: EndpointsLike[];
  portName?: string;
  addressFamily?: 'auto' | 'IPv4' | 'IPv6';
  want: string[];
  problem?: RegExp;
}

const rows: Row[] = [
  { name: 'no subsets', objects: [{ metadata: { name: 'web' }, subsets: [] }], want: [] },
  {
    name: 'ready addresses are used, notReadyAddresses never',
    objects: [
      {
        metadata: { name: 'web' },
        subsets: [
          { addresses: [{ ip: '10.0.0.2' }], notReadyAddresses: [{ ip: '10.0.0.3' }], ports },
        ],
      },
    ],
    want: ['10.0.0.2:8080'],
  },
  {
    name: 'only not-ready addresses: empty (no serving information in v1 Endpoints)',
    objects: [
      { metadata: { name: 'web' }, subsets: [{ notReadyAddresses: [{ ip: '10.0.0.3' }], ports }] },
    ],
    want: [],
  },
  {
    name: 'subsets with different ports, picked by name',
    objects: [
      {
        metadata: { name: 'web' },
        subsets: [
          {
            addresses: [{ ip: '10.0.0.2' }],
            ports: [
              { name: 'http', port: 8080 },
              { name: 'm', port: 9 },
            ],
          },
          { addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'http', port: 8081 }] },
        ],
      },
    ],
    portName: 'http',
    want: ['10.0.0.2:8080', '10.0.0.3:8081'],
  },
  {
    name: 'ambiguous port without portName is a problem',
    objects: [
      {
        metadata: { name: 'web' },
        subsets: [
          {
            addresses: [{ ip: '10.0.0.2' }],
            ports: [
              { name: 'a', port: 1 },
              { name: 'b', port: 2 },
            ],
          },
        ],
      },
    ],
    want: [],
    problem: /2 TCP ports/,
  },
  {
    name: 'duplicate address counts once',
    objects: [
      {
        metadata: { name: 'web' },
        subsets: [
          { addresses: [{ ip: '10.0.0.2' }], ports },
          { addresses: [{ ip: '10.0.0.2' }, { ip: '10.0.0.4' }], ports },
        ],
      },
    ],
    want: ['10.0.0.2:8080', '10.0.0.4:8080'],
  },
  {
    name: 'IPv6 endpoints, auto family',
    objects: [{ metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: 'fd00::2' }], ports }] }],
    want: ['[fd00::2]:8080'],
  },
  {
    name: 'fixed family filters the other',
    objects: [
      {
        metadata: { name: 'web' },
        subsets: [{ addresses: [{ ip: 'fd00::2' }, { ip: '10.0.0.2' }], ports }],
      },
    ],
    addressFamily: 'IPv4',
    want: ['10.0.0.2:8080'],
  },
];

describe('endpointsToBackendSet', () => {
  test.each(rows)('$name', (row) => {
    const t = endpointsToBackendSet(row.objects, {
      portName: row.portName ?? '',
      addressFamily: row.addressFamily ?? 'auto',
    });
    expect(t.set.backends.map((b) => b.id)).toEqual(row.want);
    if (row.problem) expect(t.problems.join('\n')).toMatch(row.problem);
    else expect(t.problems).toEqual([]);
  });

  test('pod name from targetRef', () => {
    const t = endpointsToBackendSet(
      [
        {
          metadata: { name: 'web' },
          subsets: [
            { addresses: [{ ip: '10.0.0.2', targetRef: { kind: 'Pod', name: 'web-1' } }], ports },
          ],
        },
      ],
      { portName: '', addressFamily: 'auto' },
    );
    expect(t.set.backends[0]?.pod).toBe('web-1');
    expect(t.set.backends[0]?.terminating).toBeUndefined();
  });
});
