'use strict';
// `npm install` builds the addon with cmake-js into build/Release/hotstate.node.
// cmake-js takes Node-API headers from the node-api-headers package (package.json's
// "binary.napi_versions" says this is a Node-API addon), so nothing is downloaded but npm
// packages. HOTSTATE_BUILD_JOBS limits parallel compile jobs (default: every core).
//
// Installed from a folder (`npm install /path/to/hotstate/bindings/node`, as docs/node.md
// shows), npm links the folder instead of copying it and installs none of the folder's own
// dependencies: by design, a linked folder's node_modules is its owner's business
// (https://github.com/npm/cli/issues/4165). This script then runs before cmake-js and
// node-addon-api exist anywhere it can see, so it installs them into the folder itself
// first, from package-lock.json and without running any scripts. A tarball install (npm
// pack) gets them the usual way.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.join(__dirname, '..');
const buildTools = ['cmake-js/bin/cmake-js', 'node-addon-api/package.json'];

function resolveFromPackage(request) {
  try {
    return require.resolve(request, { paths: [packageDir] });
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND') return null;
    throw error;
  }
}

function fail(message, status = 1) {
  console.error(`hotstate: ${message}`);
  process.exit(status);
}

function installBuildTools() {
  const locked = fs.existsSync(path.join(packageDir, 'package-lock.json'));
  // Flags rather than the inherited npm_config_* environment decide where they go: an
  // `npm install -g` of this folder must still put them in the folder, not globally.
  const args = [locked ? 'ci' : 'install', '--prefix', packageDir, '--global=false', '--workspaces=false',
    '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'];
  if (!locked) args.push('--no-save', '--no-package-lock');
  console.error(`hotstate: npm linked ${packageDir} without its dependencies; installing the build tools ` +
    `(cmake-js, node-addon-api) into ${path.join(packageDir, 'node_modules')}`);
  // The npm that runs this script (npm_execpath is its CLI), else the one on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, commandArgs] = npmCli && /npm-cli\.js$/.test(npmCli)
    ? [process.execPath, [npmCli, ...args]]
    : ['npm', args];
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', cwd: packageDir });
  if (result.error) fail(`could not run npm to install the build tools: ${result.error.message}`);
  if (result.status !== 0) fail(`installing the build tools into ${packageDir} failed (npm exited with ${result.status})`,
    result.status ?? 1);
  for (const tool of buildTools)
    if (!resolveFromPackage(tool)) fail(`${tool} is still missing in ${packageDir} after installing the build tools`);
}

if (!buildTools.every(resolveFromPackage)) installBuildTools();

const cmakeJs = resolveFromPackage('cmake-js/bin/cmake-js');
const args = [cmakeJs, 'compile', '--directory', packageDir, '--out', path.join(packageDir, 'build')];
if (process.env.HOTSTATE_BUILD_JOBS) args.push('--parallel', process.env.HOTSTATE_BUILD_JOBS);

const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: packageDir });
if (result.status !== 0) {
  fail('building the native addon failed. It needs CMake >= 3.25, a C++20 compiler, ' +
    'Boost 1.81 headers and FlatBuffers 2.0.8 (flatc and headers): on Debian, run ci/setup.sh of the hotstate repository.',
  result.status ?? 1);
}
