// Builds the browser bundles into web/dist (embedded in the server binary).
//
//   sdk/src/index.ts  -> dist/sdk/conclave.js   (the JS SDK, one readable ES module)
//   sdk/src/e2ee/worker.ts -> dist/sdk/e2ee-worker.js (the SDK's end-to-end encryption Worker)
//   sdk/src/e2ee/kem-worker.ts -> dist/sdk/e2ee-kem-worker.js (its key-package Worker)
//   app/src/main.ts   -> dist/app/app.js        (the meeting app; imports /sdk/conclave.js)
//   app/index.html    -> dist/index.html
//   app/app.css       -> dist/app/app.css
//
// The output is deterministic (no timestamps, no source maps, no legal
// comments) so CI can rebuild and diff it against the committed bundle.
// Type errors fail the build: `tsc --noEmit` runs first.

import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const p = (...parts) => join(root, ...parts);

function typecheck() {
  const tsc = p('node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
  if (!existsSync(tsc)) {
    console.error('build: typescript is not installed; run `npm ci` in web/ first');
    process.exit(1);
  }
  const r = spawnSync(tsc, ['--noEmit', '-p', p('tsconfig.json')], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error('build: type check failed');
    process.exit(r.status ?? 1);
  }
}

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
  absWorkingDir: root,
};

// servedSDK turns the app's imports of the SDK source into an import of the
// module the server serves at /sdk/conclave.js.
const servedSDK = {
  name: 'served-sdk',
  setup(b) {
    b.onResolve({ filter: /sdk\/src\/index\.js$/ }, () => ({ path: '/sdk/conclave.js', external: true }));
  },
};

async function main() {
  typecheck();
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });

  await build({
    ...common,
    entryPoints: [p('sdk', 'src', 'index.ts')],
    outfile: p('dist', 'sdk', 'conclave.js'),
  });
  console.log('build: dist/sdk/conclave.js');

  // The Worker that encrypts and decrypts media frames: the SDK loads it
  // from beside itself (new URL('./e2ee-worker.js', import.meta.url)).
  await build({
    ...common,
    entryPoints: [p('sdk', 'src', 'e2ee', 'worker.ts')],
    outfile: p('dist', 'sdk', 'e2ee-worker.js'),
  });
  console.log('build: dist/sdk/e2ee-worker.js');

  // The Worker that makes X-Wing keys and seals and opens key packages,
  // off the page (sdk/src/e2ee-kem.ts loads it from beside e2ee-worker.js).
  await build({
    ...common,
    entryPoints: [p('sdk', 'src', 'e2ee', 'kem-worker.ts')],
    outfile: p('dist', 'sdk', 'e2ee-kem-worker.js'),
  });
  console.log('build: dist/sdk/e2ee-kem-worker.js');

  const appEntry = p('app', 'src', 'main.ts');
  const appHTML = p('app', 'index.html');
  const appCSS = p('app', 'app.css');
  const missing = [appEntry, appHTML, appCSS].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.log(`build: skipping the meeting app (missing: ${missing.map((f) => f.slice(root.length + 1)).join(', ')})`);
    return;
  }
  await build({
    ...common,
    entryPoints: [appEntry],
    outfile: p('dist', 'app', 'app.js'),
    // The app runs on the same SDK module integrators get, loaded from
    // the server, rather than on a second copy bundled into app.js.
    plugins: [servedSDK],
  });
  cpSync(appHTML, p('dist', 'index.html'));
  cpSync(appCSS, p('dist', 'app', 'app.css'));
  console.log('build: dist/app/app.js, dist/app/app.css, dist/index.html');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
