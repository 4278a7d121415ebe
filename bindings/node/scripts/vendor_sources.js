'use strict';
// Copies the C++ sources the addon is built from into hotstate-src/, so a packed copy of
// this folder builds on `npm install` anywhere. It runs as `prepare`, the one script npm
// runs before it packs a folder both for `npm pack` and for an install that copies a folder
// (install-links) instead of linking it; `--clean` (postpack) removes the copy after
// `npm pack`. A checkout builds from ../.. directly (CMakeLists.txt), whatever copy it holds.
const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.join(__dirname, '..');
const repoDir = path.join(packageDir, '..', '..');
const target = path.join(packageDir, 'hotstate-src');
// Only what bindings/node/CMakeLists.txt configures: no server, apps or tests.
const parts = ['CMakeLists.txt', 'schemas', 'core/CMakeLists.txt', 'core/include', 'core/src', 'capi'];

fs.rmSync(target, { recursive: true, force: true });
if (process.argv.includes('--clean')) process.exit(0);

for (const part of parts) {
  const from = path.join(repoDir, part);
  if (!fs.existsSync(from)) {
    console.error(`hotstate: ${from} is missing: npm pack must run inside the hotstate repository`);
    process.exit(1);
  }
  fs.cpSync(from, path.join(target, part), { recursive: true });
}
