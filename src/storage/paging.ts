// Offset pages with an exact totalResults (RFC 7644 §3.4.2.4), at the least cost:
// - a page shorter than asked (and not empty past the end) is the last one, so it tells the
//   total itself — IdP lookups (`userName eq …`, one row or none) never pay for a count;
// - otherwise the count runs beside the page, not after it.
export async function pageWithTotal<R>(
  offset: number, limit: number, lookup: boolean, count: () => Promise<number>, page: () => Promise<R[]>,
): Promise<{ total: number; rows: R[] }> {
  if (limit === 0) return { total: await count(), rows: [] };
  const lastPageTotal = (rows: R[]) => (rows.length < limit && (rows.length > 0 || offset === 0) ? offset + rows.length : undefined);
  if (lookup && offset === 0) {
    // A filter that matches at most one resource: the page alone tells the total.
    const rows = await page();
    return { total: lastPageTotal(rows) ?? (await count()), rows };
  }
  const [rows, total] = await Promise.all([page(), count()]);
  return { total: lastPageTotal(rows) ?? total, rows };
}
