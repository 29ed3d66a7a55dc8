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
