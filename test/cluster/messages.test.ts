import { BackendSet, makeBackend } from '../../src/balancer/backend';
import { backendSetOf, setMessage, toPrimary, toWorker } from '../../src/cluster/messages';

const set = new BackendSet(
  [
    makeBackend({ host: '10.0.0.1', port: 80 }),
    makeBackend({ host: 'fd00::2', port: 8080, weight: 3, pod: 'web-2', zone: 'z1' }),
    makeBackend({ host: '10.0.0.3', port: 80, terminating: true }),
  ],
  7,
);

test('a BackendSet survives the trip through JSON: ids, order, fields and version', () => {
  const wire: unknown = JSON.parse(JSON.stringify(setMessage(set)));
  const msg = toWorker(wire);
  expect(msg?.t).toBe('rrp:set');
  const back = backendSetOf(msg as Parameters<typeof backendSetOf>[0]);
  expect(back.version).toBe(7);
  expect(back.backends).toEqual(set.backends);
  expect(back.backends.map((b) => b.id)).toEqual(['10.0.0.1:80', '[fd00::2]:8080', '10.0.0.3:80']);
});

test('messages that are not ours, or malformed, are null', () => {
  for (const bad of [
    null,
    'rrp:set',
    { t: 'other' },
    { t: 'rrp:set', version: 1, backends: [{ host: 1, port: 80 }] },
    { t: 'rrp:set', version: 1, backends: [{ host: 'h', port: 1.5 }] },
    { t: 'rrp:set', backends: [] },
    { t: 'rrp:req', id: 1, op: 'explode' },
    { t: 'rrp:req', op: 'status' },
    { t: 'rrp:req', id: 1, op: 'purge' },
  ])
    expect(toWorker(bad)).toBeNull();
  for (const bad of [{ t: 'rrp:applied' }, { t: 'rrp:res', ok: true }, { t: 'rrp:nope' }, 3])
    expect(toPrimary(bad)).toBeNull();
});

test('questions and answers are recognised', () => {
  expect(toWorker({ t: 'rrp:req', id: 4, op: 'purge', all: false, target: '/x' })).toEqual({
    t: 'rrp:req',
    id: 4,
    op: 'purge',
    all: false,
    target: '/x',
  });
  expect(toWorker({ t: 'rrp:unsynced' })).toEqual({ t: 'rrp:unsynced' });
  expect(toPrimary({ t: 'rrp:res', id: 2, ok: false })).toEqual({
    t: 'rrp:res',
    id: 2,
    ok: false,
    error: 'unknown error',
  });
  expect(toPrimary({ t: 'rrp:applied', version: 3 })).toEqual({ t: 'rrp:applied', version: 3 });
});
