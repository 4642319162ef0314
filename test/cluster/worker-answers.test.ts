import { answerQuestion, type WorkerState } from '../../src/cluster/worker-answers';

function state(cache: WorkerState['cache']): WorkerState {
  return {
    ready: () => ({ ready: true, reason: 'ok' }),
    backends: () => ({ backends: [{ id: 'a' }] }),
    metricsJson: async () => [{ name: 'm' }],
    cache,
  };
}

test('status, metrics and purges are answered from the worker’s own state', async () => {
  const purged: string[] = [];
  const cache = {
    purge: (t: string) => (purged.push(t), 2),
    purgeAll: () => (purged.push('*'), 5),
  };
  const s = state(cache);
  await expect(answerQuestion({ op: 'status' }, s)).resolves.toEqual({
    ready: { ready: true, reason: 'ok' },
    backends: { backends: [{ id: 'a' }] },
  });
  await expect(answerQuestion({ op: 'metrics' }, s)).resolves.toEqual([{ name: 'm' }]);
  await expect(answerQuestion({ op: 'purge', all: false, target: '/x' }, s)).resolves.toBe(2);
  await expect(answerQuestion({ op: 'purge', all: true }, s)).resolves.toBe(5);
  expect(purged).toEqual(['/x', '*']);
  await expect(answerQuestion({ op: 'purge', all: true }, state(null))).resolves.toBe(0);
});
