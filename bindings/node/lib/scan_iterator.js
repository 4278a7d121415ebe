'use strict';
// Records of a native iterator as a JS iterable; the native iterator (which pins a state
// of the replica) is freed as soon as the loop ends or breaks.
const { Record } = require('./record');

function* iterateRecords(nativeIter) {
  try {
    for (let record = nativeIter.next(); record !== null; record = nativeIter.next()) yield new Record(record);
  } finally {
    nativeIter.close();
  }
}

module.exports = { iterateRecords };
