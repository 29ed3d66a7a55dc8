import { HEAP_GROWING_PERCENT, heapFlags } from '../../src/heap.js';

describe('V8 heap settings applied by the server itself (decision 0024)', () => {
  it('bounds old-space growth when started plainly (node dist/src/main.js)', () => {
    expect(heapFlags([], undefined)).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
    expect(heapFlags(['--enable-source-maps'], '--max-old-space-size=512')).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });

  it("leaves the operator's own setting alone, on the command line or in NODE_OPTIONS, in either spelling", () => {
    expect(heapFlags(['--heap-growing-percent=0'], undefined)).toEqual([]);
    expect(heapFlags([], '--inspect --heap_growing_percent=80')).toEqual([]);
  });
});
