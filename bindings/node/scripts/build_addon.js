'use strict';
// `npm install` builds the addon with cmake-js into build/Release/hotstate.node.
// cmake-js takes Node-API headers from the node-api-headers package (package.json's
// "binary.napi_versions" says this is a Node-API addon), so nothing is downloaded.
// HOTSTATE_BUILD_JOBS limits parallel compile jobs (default: every core).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const packageDir = path.join(__dirname, '..');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [packageDir] });
const args = [cmakeJs, 'compile', '--directory', packageDir, '--out', path.join(packageDir, 'build')];
if (process.env.HOTSTATE_BUILD_JOBS) args.push('--parallel', process.env.HOTSTATE_BUILD_JOBS);

const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: packageDir });
if (result.status !== 0) {
  console.error('hotstate: building the native addon failed. It needs CMake >= 3.25, a C++20 compiler, ' +
    'Boost 1.81 headers and FlatBuffers 2.0.8 (flatc and headers): on Debian, run ci/setup.sh of the hotstate repository.');
  process.exit(result.status ?? 1);
}
