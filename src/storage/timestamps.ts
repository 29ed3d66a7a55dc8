// timestamptz as PostgreSQL sends it in UTC sessions, `2026-12-06 13:44:12.785123+00`, read
// without the general parser's regular expressions (pg-types' postgres-date): a list page reads
// two of them per user (created, lastModified; decision 0021). Anything else — another session
// time zone, BC, years before 100 or after 9999, infinity — goes to the general parser, and the
// fast path computes exactly what it computes (the same Date.UTC arguments, the fraction through
// the same parseFloat), checked against it in test/unit/timestamps.test.ts.

const digit = (text: string, at: number) => {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : -100000;
};
const two = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1);

export function timestamptzParser(general: (text: string) => unknown): (text: string) => unknown {
  return (text: string) => {
    const n = text.length;
    // YYYY-MM-DD HH:MM:SS, then an optional .fraction, then +00 and nothing after.
    if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58
      || text.charCodeAt(16) !== 58 || text.charCodeAt(n - 3) !== 43 || text.charCodeAt(n - 2) !== 48 || text.charCodeAt(n - 1) !== 48) {
      return general(text);
    }
    const year = two(text, 0) * 100 + two(text, 2);
    const month = two(text, 5), day = two(text, 8), hour = two(text, 11), minute = two(text, 14), second = two(text, 17);
    if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return general(text);
    let ms = 0;
    if (n > 22) {
      if (text.charCodeAt(19) !== 46 || n < 24) return general(text);
      for (let i = 20; i < n - 3; i++) if (digit(text, i) < 0) return general(text);
      ms = 1000 * parseFloat(text.slice(19, n - 3));
    }
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The text `toISOString()` writes for the Date the fast path above makes of `text`
 * (`2026-12-06T13:44:12.785Z`), written from the text itself: a list page writes two per user,
 * and `Date.prototype.toISOString` was most of what its timestamps cost (decision 0038).
 * Undefined for anything the fast path hands to the general parser, and for a field out of its
 * range (Date.UTC would carry it over: PostgreSQL never sends one, but the Date is the reference).
 * The milliseconds are the Date's: the fraction through the same parseFloat, truncated as Date.UTC does.
 */
export function isoOfTimestamptz(text: string): string | undefined {
  const n = text.length;
  if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58
    || text.charCodeAt(16) !== 58 || text.charCodeAt(n - 3) !== 43 || text.charCodeAt(n - 2) !== 48 || text.charCodeAt(n - 1) !== 48) {
    return undefined;
  }
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5), day = two(text, 8), hour = two(text, 11), minute = two(text, 14), second = two(text, 17);
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return undefined;
  let ms = 0;
  if (n > 22) {
    if (text.charCodeAt(19) !== 46 || n < 24) return undefined;
    for (let i = 20; i < n - 3; i++) if (digit(text, i) < 0) return undefined;
    ms = Math.trunc(1000 * parseFloat(text.slice(19, n - 3)));
  }
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}
