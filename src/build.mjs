#!/usr/bin/env node
// It lives in src/ (the project keeps its top-level layout: no scripts/ folder); tsc ignores it.
// Builds only when needed. `npm run build` is the one build step (extend that script, e.g. with
// a console bundle); this wrapper runs it when the inputs changed since the last build, so that
// `npm start` with nothing changed starts at once.
//
//   node src/build.mjs            build if the inputs changed (prestart, cli, bench)
//   node src/build.mjs --prepare  the same at `npm install`; skipped where it cannot build
//                                     (a production install without TypeScript, no sources yet)
//   node src/build.mjs --record   record the inputs just built (postbuild)
//   node src/build.mjs --status   print "up to date" or "stale" (exit 0 / 1), build nothing
//
// The record is a fingerprint (path, size, modification time) of every input, in dist/.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.env.SEATGATE_BUILD_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What the build reads: folders walked recursively, files taken when present. */
export const BUILD_INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json', 'vite.config.mjs'];
/** What the build must have produced. */
const BUILD_OUTPUTS = ['dist/src/main.js'];
const RECORD = path.join(root, 'dist', '.build-inputs');

function fingerprint() {
  const hash = createHash('sha256');
  const visit = (relative) => {
    const full = path.join(root, relative);
    let stat;
    try { stat = statSync(full); } catch { return; }
    if (stat.isDirectory()) {
      for (const name of readdirSync(full).sort()) visit(path.join(relative, name));
    } else {
      hash.update(`${relative}\0${stat.size}\0${stat.mtimeMs}\n`);
    }
  };
  for (const input of BUILD_INPUTS) visit(input);
  return hash.digest('hex');
}

const upToDate = () => BUILD_OUTPUTS.every((output) => existsSync(path.join(root, output)))
  && existsSync(RECORD) && readFileSync(RECORD, 'utf8') === fingerprint();

const mode = process.argv[2] ?? '';
if (mode === '--record') {
  mkdirSync(path.dirname(RECORD), { recursive: true });
  writeFileSync(RECORD, fingerprint());
  process.exit(0);
}
if (mode === '--status') {
  const fresh = upToDate();
  process.stdout.write(fresh ? 'up to date\n' : 'stale\n');
  process.exit(fresh ? 0 : 1);
}
if (mode === '--prepare' && (!existsSync(path.join(root, 'src')) || !existsSync(path.join(root, 'node_modules', 'typescript')))) {
  process.exit(0); // nothing to build here, or a production install: the image copies dist/
}
if (upToDate()) process.exit(0);

process.stderr.write('seatgate: building (sources changed since the last build)…\n');
// Output on stderr: `npm run cli -- … --json` keeps one JSON object on stdout.
const npm = process.env.npm_execpath;
const result = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] })
  : spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 2, 2] });
if (result.status !== 0) {
  process.stderr.write('seatgate: the build failed (see above)\n');
  process.exit(result.status ?? 1);
}
