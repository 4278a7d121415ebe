'use strict';
// The details object of an evaluation, made by the addon through this function: a JS
// object literal gets one fixed shape at once, where setting six properties from C++
// costs a property-name lookup and a shape transition each. metadataJson is undefined
// when the flag has no metadata.
function makeFlagDetails(value, variant, reason, errorCode, errorMessage, metadataJson) {
  return { value, variant, reason, errorCode, errorMessage, flagMetadata: metadataJson === undefined ? {} : JSON.parse(metadataJson) };
}

module.exports = { makeFlagDetails };
