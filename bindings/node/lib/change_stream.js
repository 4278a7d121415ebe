'use strict';
// `for await (const batch of client.changes(filter))`: an async iterator over change
// batches with a bounded buffer.
//
// Overflow: when the consumer falls `bufferSize` batches behind, the stream stops
// listening; the batches already buffered are still yielded, then the loop throws a
// ChangesOverflowError (nothing is skipped silently: re-read with scan() and start a new
// stream). Breaking out of the loop, or client.close(), ends the subscription.
const { ChangesOverflowError } = require('./errors');

class ChangeStream {
  #buffer = [];
  #waiting = []; // {resolve, reject} of next() calls made while the buffer was empty
  #bufferSize;
  #unsubscribe;
  #ended = false;
  #failure = null;

  // subscribe(onBatch) starts delivery and returns the function that stops it.
  constructor(subscribe, bufferSize) {
    this.#bufferSize = bufferSize;
    this.#unsubscribe = subscribe((batch) => this.#push(batch));
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift(), done: false });
    if (this.#failure) {
      const failure = this.#failure;
      this.#failure = null;
      return Promise.reject(failure);
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  // Called by for-await on break/return/throw: stops listening and drops what is buffered.
  return() {
    this.#buffer.length = 0;
    this.#failure = null;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  // No more batches (the client closed, or the loop ended): pending next() calls finish.
  end() {
    if (!this.#ended) {
      this.#ended = true;
      this.#unsubscribe();
    }
    for (const waiter of this.#waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
  }

  #push(batch) {
    if (this.#ended) return;
    const waiter = this.#waiting.shift();
    if (waiter) {
      waiter.resolve({ value: batch, done: false });
      return;
    }
    if (this.#buffer.length >= this.#bufferSize) {
      this.#failure = new ChangesOverflowError(
        `changes(): the consumer fell ${this.#bufferSize} batches behind; the stream stopped (raise bufferSize, or re-read with scan())`,
      );
      this.end();
      return;
    }
    this.#buffer.push(batch);
  }
}

module.exports = { ChangeStream };
