// `npm start` builds only when the build's inputs changed (src/build.mjs, issue 13.3).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const script = path.resolve('src/build.mjs');
const run = (root: string, mode: string) => {
  const result = spawnSync(process.execPath, [script, mode], { env: { ...process.env, SEATGATE_BUILD_ROOT: root }, encoding: 'utf8' });
  return { code: result.status, out: result.stdout.trim() };
};

describe('the build check', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'seatgate-build-'));
    mkdirSync(path.join(root, 'src', 'deep'), { recursive: true });
    mkdirSync(path.join(root, 'dist', 'src'), { recursive: true });
    writeFileSync(path.join(root, 'src', 'main.ts'), 'export {};\n');
    writeFileSync(path.join(root, 'src', 'deep', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(path.join(root, 'package.json'), '{}\n');
    writeFileSync(path.join(root, 'dist', 'src', 'main.js'), '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is up to date after a build was recorded, and stale after any input changed', () => {
    expect(run(root, '--status')).toEqual({ code: 1, out: 'stale' }); // never built
    expect(run(root, '--record').code).toBe(0);
    expect(run(root, '--status')).toEqual({ code: 0, out: 'up to date' });

    const later = new Date(Date.now() + 5_000);
    utimesSync(path.join(root, 'src', 'deep', 'a.ts'), later, later);
    expect(run(root, '--status').out).toBe('stale');
    run(root, '--record');
    writeFileSync(path.join(root, 'src', 'deep', 'b.ts'), 'export const b = 2;\n');
    expect(run(root, '--status').out).toBe('stale');
    run(root, '--record');
    rmSync(path.join(root, 'src', 'deep', 'b.ts'));
    expect(run(root, '--status').out).toBe('stale');
    run(root, '--record');
    writeFileSync(path.join(root, 'tsconfig.json'), '{}\n');
    expect(run(root, '--status').out).toBe('stale');
    run(root, '--record');
    rmSync(path.join(root, 'dist', 'src', 'main.js'));
    expect(run(root, '--status').out).toBe('stale'); // an output is missing
  });

  it('skips the build at install where it cannot build (no TypeScript: a production install)', () => {
    expect(run(root, '--prepare')).toEqual({ code: 0, out: '' });
    expect(run(root, '--status').out).toBe('stale'); // nothing was built or recorded
  });
});
