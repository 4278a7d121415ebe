'use strict';
// Loads the raw addon: from HOTSTATE_NODE_ADDON when set (a build made elsewhere, e.g.
// the repository's CMake build in CI), else from this package's own cmake-js build.
const path = require('node:path');
const { classesByCode } = require('./errors');
const { makeFlagDetails } = require('./flag_details');

function addonPath() {
  const fromEnv = process.env.HOTSTATE_NODE_ADDON;
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(__dirname, '..', 'build', 'Release', 'hotstate.node');
}

function load() {
  const file = addonPath();
  let addon;
  try {
    addon = require(file);
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(
      `hotstate: the native addon is not built (${file} is missing). ` +
        'Run `npm install` (or `npm rebuild hotstate`) to build it, or set HOTSTATE_NODE_ADDON to a built hotstate.node.',
      { cause: error },
    );
  }
  addon.setErrorClasses(classesByCode);
  addon.setFlagDetailsFactory(makeFlagDetails);
  return addon;
}

module.exports = load();
