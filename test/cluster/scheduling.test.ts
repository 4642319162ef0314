import { schedulingPolicy } from '../../src/cluster/scheduling';

const control = (initial: number) => ({ schedulingPolicy: initial, SCHED_NONE: 1, SCHED_RR: 2 });

test('round robin unless NODE_CLUSTER_SCHED_POLICY chose', () => {
  const unset = control(1);
  expect(schedulingPolicy(unset, {})).toBe('rr');
  expect(unset.schedulingPolicy).toBe(2);

  // node:cluster applied the variable when it loaded: left as it is.
  const none = control(1);
  expect(schedulingPolicy(none, { NODE_CLUSTER_SCHED_POLICY: 'none' })).toBe('none');
  expect(none.schedulingPolicy).toBe(1);

  // A value node:cluster ignores does not stop us from choosing.
  const junk = control(1);
  expect(schedulingPolicy(junk, { NODE_CLUSTER_SCHED_POLICY: 'fast' })).toBe('rr');
});
