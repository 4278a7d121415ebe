'use strict';
// A record as client.view(), scan() and snapshots give it: an immutable view of one
// record of the replica. Reading .value decodes a fresh JS value each time; .raw is the
// FlexBuffers bytes themselves (zero-copy: do not write into that Buffer).

class Record {
  #native;
  #revisions;

  constructor(native) {
    this.#native = native;
  }

  get collection() {
    return this.#native.collection();
  }

  get key() {
    return this.#native.key();
  }

  // A fresh plain JS value on each access.
  get value() {
    return this.#native.value();
  }

  // The value as JSON text (object members sorted, integers exact, 1.0 stays 1.0).
  get json() {
    return this.#native.json();
  }

  // A Buffer over the replica's FlexBuffers bytes, kept alive by the Buffer itself.
  get raw() {
    return this.#native.raw();
  }

  get createRevision() {
    return this.#meta()[0];
  }

  get modRevision() {
    return this.#meta()[1];
  }

  // Writes since the record was created (1 for a new record).
  get version() {
    return this.#meta()[2];
  }

  toJSON() {
    return { collection: this.collection, key: this.key, value: this.value, createRevision: this.createRevision,
      modRevision: this.modRevision, version: this.version };
  }

  #meta() {
    this.#revisions ??= this.#native.revisions();
    return this.#revisions;
  }
}

module.exports = { Record };
