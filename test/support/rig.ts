/**
 * A rig's process or server, read from a test: it exists only once the rig's beforeAll ran, so
 * reading it earlier (at the top level of a test file) is a mistake worth a clear message.
 */
export function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not started yet (read it inside a test)`);
  return value;
}
