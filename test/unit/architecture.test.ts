// The layer rules of the architecture (README "Architecture"), checked on every import of src/.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve('src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

interface Import { file: string; from: string; typeOnly: boolean; target: string }

/** Every import of a file, with what it resolves to: a package name, or a path under src/. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => {
    const from = m[2]!;
    const target = from.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), from)) : from;
    return { file: path.relative(SRC, file), from, typeOnly: Boolean(m[1]), target };
  });
}

const all = files(SRC).flatMap(importsOf);
const layerOf = (relative: string) => relative.split(path.sep)[0] ?? '';
const inLayer = (layer: string) => all.filter((i) => layerOf(i.file) === layer);
const show = (found: Import[]) => found.map((i) => `${i.file} imports ${i.from}`);

describe('architecture', () => {
  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(300);
  });

  it('domain: pure rules, importing only zod, node built-ins and itself', () => {
    const outside = inLayer('domain').filter((i) => !(i.target === 'zod' || i.target.startsWith('node:') || layerOf(i.target) === 'domain'));
    expect(show(outside)).toEqual([]);
  });

  it('protocol: no HTTP, no logging, no use cases; storage only for the schema\'s types', () => {
    const banned = inLayer('protocol').filter((i) =>
      ['express', 'winston', 'pg', 'passport'].includes(i.target) || ['services', 'interfaces'].includes(layerOf(i.target))
      || (layerOf(i.target) === 'storage' && !(i.typeOnly && i.target === path.join('storage', 'schema.js'))));
    expect(show(banned)).toEqual([]);
  });

  it('storage: never reaches up to use cases or interfaces', () => {
    const banned = inLayer('storage').filter((i) => ['express', 'passport'].includes(i.target) || ['services', 'interfaces'].includes(layerOf(i.target)));
    expect(show(banned)).toEqual([]);
  });

  it('services: no HTTP, no interfaces', () => {
    const banned = inLayer('services').filter((i) => ['express', 'passport', 'commander'].includes(i.target) || layerOf(i.target) === 'interfaces');
    expect(show(banned)).toEqual([]);
  });

  it('interfaces: reach storage only for types, and never build SQL', () => {
    const banned = inLayer('interfaces').filter((i) => i.target === 'kysely' || (layerOf(i.target) === 'storage' && !i.typeOnly));
    expect(show(banned)).toEqual([]);
  });
});
