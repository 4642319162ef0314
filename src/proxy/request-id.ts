import { randomBytes } from 'node:crypto';

/**
 * Generated request ids: a random 64-bit prefix per process and a counter. Unique within the
 * process, and across processes and restarts with overwhelming probability; an increment and a
 * join per request instead of a UUID from the CSPRNG.
 */
const PREFIX = randomBytes(8).toString('hex') + '-';
let counter = 0;

export function nextRequestId(): string {
  counter = counter === Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return PREFIX + counter.toString(36);
}
