// V8 heap settings the server applies to itself, so that `node dist/src/main.js` (npm start, the
// image's CMD, a benchmark) runs the same way without flags on its command line (decision 0024).
//
// Imported first by main.ts: ES modules run in import order, so this runs before any other
// module of the server does (and before the first major GC, when the setting starts to count).
import v8 from 'node:v8';

/**
 * The old generation may grow to (1 + percent/100) × the live heap after a major GC before the
 * next one. V8's default factor is dynamic, up to 4×: with about 30 MB live, old space ran up to
 * 100 MB of mostly garbage under load (RSS 160–200 MiB, for a 25–45 MB live heap). 50 % keeps
 * the peak near live + 50 %. Unlike the young generation's size, V8 reads this flag at each
 * major GC, so setting it at run time works.
 */
export const HEAP_GROWING_PERCENT = 50;

/** The V8 flags to set, unless the operator gave them on the command line or in NODE_OPTIONS. */
export function heapFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  const named = (flag: string) => given.some((arg) => arg.replace(/_/g, '-').startsWith(flag));
  return named('--heap-growing-percent') ? [] : [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`];
}

for (const flag of heapFlags(process.execArgv, process.env.NODE_OPTIONS)) v8.setFlagsFromString(flag);
