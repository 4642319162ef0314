let cachedSecond = -1;
let cachedValue = '';

/** The IMF-fixdate for now (RFC 9110 5.6.7), recomputed at most once per second. */
export function httpDate(nowMs: number = Date.now()): string {
  const sec = Math.floor(nowMs / 1000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedValue = new Date(sec * 1000).toUTCString();
  }
  return cachedValue;
}
