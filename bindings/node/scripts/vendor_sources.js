'use strict';
// `npm pack` (prepack): copies the C++ sources the addon is built from into
// hotstate-src/, so the tarball builds on `npm install` anywhere. `--clean` (postpack)
// removes them again; a git checkout builds from ../.. directly.
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
