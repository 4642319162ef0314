import { BackendSet, makeBackend } from '../../src/balancer/backend';
import { classifyApiError } from '../../src/discovery/api-errors';
import { sameBackends } from '../../src/discovery/backend-set-equality';
import { backoffDelay, DEFAULT_BACKOFF, jittered } from '../../src/discovery/backoff';
import { forbiddenHint, requiredRule } from '../../src/discovery/rbac';

describe('backoffDelay', () => {
  test('first retry within one to two seconds', () => {
    expect(backoffDelay(0, 0)).toBe(1_000);
    expect(backoffDelay(0, 0.999)).toBeLessThan(2_000);
  });

  test('doubles per attempt and is capped at about 30 s, jitter included', () => {
    expect(backoffDelay(1, 0)).toBe(2_000);
    expect(backoffDelay(3, 0)).toBe(8_000);
    expect(backoffDelay(4, 0.99)).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
    expect(backoffDelay(10, 0)).toBe(30_000);
    expect(backoffDelay(1_000, 0.5)).toBe(30_000);
  });

  test('jitter spreads delays', () => {
    expect(backoffDelay(2, 0.1)).not.toBe(backoffDelay(2, 0.9));
  });

  test('jittered period stays within +-20 %', () => {
    expect(jittered(300_000, 0)).toBe(240_000);
    expect(jittered(300_000, 1)).toBe(360_000);
    expect(jittered(300_000, 0.5)).toBe(300_000);
  });
});

describe('classifyApiError', () => {
  test('LIST failure (ApiException: code and a Status body)', () => {
    const err = Object.assign(
      new Error('HTTP-Code: 403\nMessage: Unknown API Status Code!\nBody: ...'),
      {
        code: 403,
        body: JSON.stringify({
          kind: 'Status',
          message: 'endpointslices.discovery.k8s.io is forbidden: ...',
        }),
      },
    );
    expect(classifyApiError(err)).toEqual({
      kind: 'forbidden',
      status: 403,
      message: 'endpointslices.discovery.k8s.io is forbidden: ...',
    });
  });

  test('watch failure (statusCode)', () => {
    expect(
      classifyApiError(Object.assign(new Error('Internal Server Error'), { statusCode: 500 })),
    ).toEqual({
      kind: 'http',
      status: 500,
      message: 'Internal Server Error',
    });
    expect(classifyApiError(Object.assign(new Error('Gone'), { statusCode: 410 })).kind).toBe(
      'gone',
    );
    expect(
      classifyApiError(Object.assign(new Error('Unauthorized'), { statusCode: 401 })).kind,
    ).toBe('unauthorized');
  });

  test('socket failure (FetchError with a string code)', () => {
    const err = Object.assign(
      new Error('request to https://127.0.0.1:1/ failed, reason: connect ECONNREFUSED'),
      {
        code: 'ECONNREFUSED',
        type: 'system',
      },
    );
    const info = classifyApiError(err);
    expect(info.kind).toBe('network');
    expect(info.status).toBeUndefined();
    expect(info.message).toContain('ECONNREFUSED');
  });

  test('not an object', () => {
    expect(classifyApiError('boom')).toEqual({ kind: 'network', message: 'boom' });
  });
});

describe('RBAC hint', () => {
  test('EndpointSlices: discovery.k8s.io, list and watch', () => {
    expect(requiredRule('endpointslices')).toEqual({
      apiGroups: ['discovery.k8s.io'],
      resources: ['endpointslices'],
      verbs: ['list', 'watch'],
    });
    const hint = forbiddenHint('endpointslices', 'shop');
    expect(hint).toContain('endpointslices.discovery.k8s.io in namespace "shop"');
    expect(hint).toContain('Role in "shop"');
    expect(hint).toContain('verbs: ["list","watch"]');
  });

  test('Endpoints: core group', () => {
    expect(requiredRule('endpoints').apiGroups).toEqual(['']);
    expect(forbiddenHint('endpoints', 'a')).toContain('apiGroups: [""], resources: ["endpoints"]');
  });
});

describe('sameBackends', () => {
  const a = makeBackend({ host: '10.0.0.1', port: 80, pod: 'p1' });
  const b = makeBackend({ host: '10.0.0.2', port: 80 });
  test('order does not matter', () => {
    expect(sameBackends(new BackendSet([a, b]), new BackendSet([b, a], 7))).toBe(true);
  });
  test('membership, pod, zone and terminating do', () => {
    expect(sameBackends(new BackendSet([a]), new BackendSet([a, b]))).toBe(false);
    expect(
      sameBackends(
        new BackendSet([a]),
        new BackendSet([makeBackend({ host: '10.0.0.1', port: 80 })]),
      ),
    ).toBe(false);
    expect(
      sameBackends(
        new BackendSet([a]),
        new BackendSet([makeBackend({ host: '10.0.0.1', port: 80, pod: 'p1', terminating: true })]),
      ),
    ).toBe(false);
    expect(
      sameBackends(
        new BackendSet([a]),
        new BackendSet([makeBackend({ host: '10.0.0.1', port: 80, pod: 'p1', zone: 'z' })]),
      ),
    ).toBe(false);
  });
});
