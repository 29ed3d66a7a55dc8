import { pageWithTotal } from '../../src/storage/paging.js';

describe('pageWithTotal', () => {
  const run = async (offset: number, limit: number, lookup: boolean, rows: number, total: number) => {
    let counted = 0;
    const result = await pageWithTotal(offset, limit, lookup, async () => { counted += 1; return total; },
      async () => Array.from({ length: rows }, (_, i) => i));
    return { ...result, rows: result.rows.length, counted };
  };

  it.each([
    // offset, limit, lookup (at most one match), rows on the page, true total → total reported, counted?
    ['a lookup that finds one row', 0, 100, true, 1, 1, 1, 0],
    ['a lookup that finds nothing', 0, 100, true, 0, 0, 0, 0],
    ['a full first page of a lookup', 0, 2, true, 2, 7, 7, 1],
    ['the last, short page', 10, 5, false, 3, 13, 13, 1],
    ['a page past the end (empty, not the first)', 50, 5, false, 0, 13, 13, 1],
    ['count=0', 0, 0, false, 0, 42, 42, 1],
  ])('%s', async (_name, offset, limit, lookup, rows, total, reported, counts) => {
    const result = await run(offset, limit, lookup, rows, total);
    expect(result.total).toBe(reported);
    if (lookup && offset === 0) expect(result.counted).toBe(counts);
  });

  it('runs the count beside the page of a filter that is not a lookup', async () => {
    let countStarted = false;
    const result = await pageWithTotal(0, 2, false, async () => { countStarted = true; return 9; }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(countStarted).toBe(true); // started before the page came back
      return [1, 2];
    });
    expect(result).toEqual({ total: 9, rows: [1, 2] });
  });
});
