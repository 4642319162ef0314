/**
 * HTTP-date parsing (RFC 9110 5.6.7): the IMF-fixdate, plus the obsolete RFC 850 and asctime
 * forms a recipient must accept. Date.parse is not used: it reads asctime as local time and
 * accepts many forms HTTP does not.
 */

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

// Sun, 06 Nov 1994 08:49:37 GMT
const IMF = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
// Sunday, 06-Nov-94 08:49:37 GMT
const RFC850 = /^[A-Z][a-z]{5,8}, (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
// Sun Nov  6 08:49:37 1994
const ASCTIME = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function build(year: number, month: string, day: number, h: string, m: string, s: string): number {
  const mon = MONTHS[month];
  if (mon === undefined) return NaN;
  const hh = Number(h);
  const mm = Number(m);
  const ss = Number(s);
  // 60 is allowed for a leap second (RFC 9110 5.6.7 second = 2DIGIT, "60" only for leap seconds).
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return NaN;
  return Date.UTC(year, mon, day, hh, mm, Math.min(ss, 59));
}

/** Milliseconds since the epoch, or NaN when `value` is not an HTTP-date. */
export function parseHttpDate(value: string | undefined, nowMs: number = Date.now()): number {
  if (value === undefined) return NaN;
  const v = value.trim();
  let m = IMF.exec(v);
  if (m !== null) return build(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850.exec(v);
  if (m !== null) {
    // RFC 9110 5.6.7: a two-digit year more than 50 years in the future is in the past century.
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    return build(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME.exec(v);
  if (m !== null) return build(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!);
  return NaN;
}
