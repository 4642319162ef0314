/** The part of node:cluster that decides how connections reach the workers. */
export interface SchedulingControl {
  schedulingPolicy: number;
  readonly SCHED_RR: number;
  readonly SCHED_NONE: number;
}

export type SchedulingPolicy = 'rr' | 'none';

/**
 * How client connections reach the workers; set before the first fork.
 *
 * Round robin (the default): the primary accepts every connection and hands it to the next
 * worker over IPC. That costs the primary one accept and one handle transfer per connection (not
 * per request), and it spreads connections evenly. `none` lets every worker accept on the shared
 * socket: no hop, but the kernel wakes whichever worker it likes, and a burst of keep-alive
 * connections (a load balancer's pool, a benchmark's 50 connections opened at once) can land
 * mostly on one worker and stay there for their whole life. Even spread of long-lived
 * connections matters more to a proxy than one hop per connection, so round robin it is;
 * NODE_CLUSTER_SCHED_POLICY=none (Node's own switch, read by node:cluster) overrides it for
 * short-connection workloads.
 */
export function schedulingPolicy(c: SchedulingControl, env: NodeJS.ProcessEnv): SchedulingPolicy {
  const chosen = env['NODE_CLUSTER_SCHED_POLICY'];
  // node:cluster applied a valid value when it loaded; leave that choice alone.
  if (chosen !== 'rr' && chosen !== 'none') c.schedulingPolicy = c.SCHED_RR;
  return c.schedulingPolicy === c.SCHED_NONE ? 'none' : 'rr';
}
