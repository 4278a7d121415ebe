'use strict';
// The TypeScript declarations (lib/index.d.ts, lib/openfeature.d.ts) type-check a program
// that uses the whole API through the package's name and exports map, and refuse the
// misuses marked @ts-expect-error in it (test/types/usage.ts). tsc is a devDependency.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

test('the type declarations check: tsc --noEmit on test/types/usage.ts', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc found errors:\n${result.stdout}${result.stderr}`);
});
