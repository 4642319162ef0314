/**
 * Env var naming a worker's slot (1..N), set by the primary at fork: the `worker` field of its
 * logs, kept by a restarted worker. Not RRPROXY_*: it is no setting of the user's.
 */
export const WORKER_SLOT_ENV = 'RRP_WORKER_SLOT';
