'use strict';
// What client.snapshot(fn) passes to fn: reads that all see one revision of the replica.
// It works only while fn runs (until its promise settles, for an async fn).
const { Record } = require('./record');
const { iterateRecords } = require('./scan_iterator');

class SnapshotReader {
  #read;

  constructor(nativeRead) {
    this.#read = nativeRead;
  }

  // The revision every read of this snapshot sees.
  get revision() {
    return this.#read.revision();
  }

  get(collection, key, defaultValue) {
    const value = this.#read.get(collection, key);
    return value === undefined ? defaultValue : value;
  }

  view(collection, key) {
    const record = this.#read.view(collection, key);
    return record === undefined ? undefined : new Record(record);
  }

  scan(collection, prefix = '') {
    return iterateRecords(this.#read.scan(collection, prefix));
  }
}

module.exports = { SnapshotReader };
