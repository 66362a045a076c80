// Runs the SDK's Node tests: bundles every sdk/test/**/*.test.ts with
// esbuild into a temporary folder (Node 20 runs no TypeScript) and runs
// them with `node --test`. `node sdk/test/run.mjs --bench` runs the
// benchmarks (*.bench.ts) instead.
//
// The tests find their data through CONCLAVE_WEB_DIR (this web/ folder):
// e2ee/testdata/vectors.json in the repo, the RFC 9605 vectors in the
// shared/ folder beside the repo, and Go's HPKE vectors in GOROOT.

import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..', '..');
const bench = process.argv.includes('--bench');
const suffix = bench ? '.bench.ts' : '.test.ts';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith(suffix) ? [join(dir, e.name)] : [],
  );
}

const entries = find(here).sort();
if (entries.length === 0) {
  console.error(`run: no ${suffix} files under ${relative(web, here)}`);
  process.exit(1);
}

const goroot = spawnSync('go', ['env', 'GOROOT'], { encoding: 'utf8' });
const out = mkdtempSync(join(tmpdir(), 'conclave-sdk-test-'));
let status = 1;
try {
  await build({
    entryPoints: entries,
    outdir: out,
    outbase: here,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    absWorkingDir: web,
  });
  const files = entries.map((f) => join(out, relative(here, f)).replace(/\.ts$/, '.mjs'));
  const env = { ...process.env, CONCLAVE_WEB_DIR: web };
  if (goroot.status === 0) env.CONCLAVE_GOROOT = goroot.stdout.trim();
  const args = bench ? ['--enable-source-maps', ...files] : ['--enable-source-maps', '--test', ...files];
  if (bench) {
    status = 0;
    for (const f of files) {
      const r = spawnSync(process.execPath, ['--enable-source-maps', f], { stdio: 'inherit', env });
      if (r.status !== 0) status = r.status ?? 1;
    }
  } else {
    status = spawnSync(process.execPath, args, { stdio: 'inherit', env }).status ?? 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(status);
