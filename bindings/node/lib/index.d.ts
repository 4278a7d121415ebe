// Type declarations of the hotstate package (see docs/node.md).
import { EventEmitter } from 'node:events';

/** A JSON value as hotstate returns it: integers beyond ±(2^53−1) are BigInt. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [name: string]: JsonValue };

export type Revision = number | bigint;

export interface ClientOptions {
  /** One server, e.g. "http://127.0.0.1:7700" or, with TLS, "https://host:7700". Give url or urls. */
  url?: string;
  /** Several servers, tried in turn. */
  urls?: string[];
  /** Whole collections to replicate. Give collections or selectors. */
  collections?: string[] | string;
  /** Collections with a key prefix. */
  selectors?: Array<{ collection: string; prefix?: string }>;
  /** Offline cache file: loaded at start, written every cacheIntervalMs and at close. */
  cachePath?: string;
  cacheIntervalMs?: number;
  /** No frame for this long: 'stale'; twice this: reconnect. Default: three heartbeats. */
  staleAfterMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Client name shown by the server. */
  name?: string;
  token?: string;
  /**
   * https:// only: trust just the CA certificates in this PEM file instead of the system's
   * trust store. The server's certificate is always verified, for the URL's host name or
   * IP address; a failure shows in status().lastError while the client keeps retrying.
   */
  caFile?: string;
}

export type LinkState = 'connecting' | 'syncing' | 'live' | 'stale' | 'offline' | 'closed';

export interface Status {
  state: LinkState;
  source: 'none' | 'cache' | 'server';
  /** 16 hex digits. */
  epoch: string;
  revision: Revision;
  serverRevision: Revision;
  /** null: never heard from a server. */
  sinceLastContactMs: number | null;
  connects: number;
  reconnectAttempts: number;
  resets: number;
  keys: number;
  bytes: number;
  lastError: string;
}

export interface Change {
  collection: string;
  key: string;
  /** undefined: the record did not exist before. */
  oldValue: JsonValue | undefined;
  /** undefined: the record was deleted. */
  newValue: JsonValue | undefined;
}

export interface ChangeBatch {
  /** The transaction's revision. */
  revision: Revision;
  /** true when the replica was replaced by a reset snapshot (e.g. a new server epoch). */
  reset: boolean;
  changes: Change[];
}

export interface ChangeFilter {
  collection?: string;
  prefix?: string;
  key?: string;
  /** Also report writes that left a value equal. */
  everyWrite?: boolean;
}

export interface ChangesOptions extends ChangeFilter {
  /** Batches buffered for a slow consumer before the stream fails with ChangesOverflowError. Default 1000. */
  bufferSize?: number;
}

export declare class Record {
  private constructor();
  readonly collection: string;
  readonly key: string;
  /** A fresh plain value on each access. */
  readonly value: JsonValue;
  /** JSON text (object members sorted, integers exact, 1.0 stays 1.0). */
  readonly json: string;
  /** The FlexBuffers bytes, zero-copy over the replica's memory: do not write into it. */
  readonly raw: Buffer;
  readonly createRevision: Revision;
  readonly modRevision: Revision;
  readonly version: number;
  toJSON(): object;
}

export interface SnapshotReader {
  readonly revision: Revision;
  get(collection: string, key: string): JsonValue | undefined;
  get<T>(collection: string, key: string, defaultValue: T): JsonValue | T;
  view(collection: string, key: string): Record | undefined;
  scan(collection: string, prefix?: string): IterableIterator<Record>;
}

export interface WriteOptions {
  /** The record's expected modRevision; 0 = only if absent. */
  ifRevision?: Revision;
}

export interface Transaction {
  if?: Array<{ collection: string; key: string; modRevision: Revision }>;
  ops: Array<
    | { op: 'put'; collection: string; key: string; value: unknown }
    | { op: 'delete'; collection: string; key: string }
  >;
}

export interface ChangeStream extends AsyncIterableIterator<ChangeBatch> {
  return(): Promise<IteratorResult<ChangeBatch>>;
}

export declare class Client extends EventEmitter {
  constructor(options: ClientOptions);
  ready(options?: { timeoutMs?: number }): Promise<void>;
  waitForRevision(revision: Revision, options?: { timeoutMs?: number }): Promise<void>;
  reconnectNow(): void;
  /**
   * Removes this client's offline cache file (and temporary files of interrupted writes).
   * The replica is untouched; the file is written again only after the replica's next
   * change, never once the client is closed. Works after close(). InvalidArgumentError
   * without cachePath, LocalFileError when a file cannot be removed. Synchronous.
   */
  wipeCache(): void;
  close(): void;
  readonly closed: boolean;
  status(): Status;

  get(collection: string, key: string): JsonValue | undefined;
  get<T>(collection: string, key: string, defaultValue: T): JsonValue | T;
  view(collection: string, key: string): Record | undefined;
  getBool(collection: string, key: string): boolean;
  getBool<T>(collection: string, key: string, defaultValue: T): boolean | T;
  getInt(collection: string, key: string): number | bigint;
  getInt<T>(collection: string, key: string, defaultValue: T): number | bigint | T;
  getDouble(collection: string, key: string): number;
  getDouble<T>(collection: string, key: string, defaultValue: T): number | T;
  getString(collection: string, key: string): string;
  getString<T>(collection: string, key: string, defaultValue: T): string | T;
  scan(collection: string, prefix?: string): IterableIterator<Record>;
  snapshot<R>(fn: (reader: SnapshotReader) => R): R;

  put(collection: string, key: string, value: unknown, options?: WriteOptions): Promise<Revision>;
  delete(collection: string, key: string, options?: WriteOptions): Promise<Revision>;
  txn(transaction: Transaction): Promise<Revision>;

  subscribe(filter: ChangeFilter, fn: (batch: ChangeBatch) => void): () => void;
  changes(options?: ChangesOptions): ChangeStream;

  on(event: 'change', listener: (batch: ChangeBatch) => void): this;
  on(event: 'status', listener: (status: Status) => void): this;
  on(event: 'error', listener: (error: unknown) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'change', listener: (batch: ChangeBatch) => void): this;
  once(event: 'status', listener: (status: Status) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

export declare class HotstateError extends Error {
  constructor(message: string, code?: string);
  /** hs_status_name of the failure, e.g. 'HS_ERR_NOT_FOUND'. */
  code: string;
}
export declare class NotFoundError extends HotstateError {}
export declare class InvalidArgumentError extends HotstateError {}
export declare class ConditionFailedError extends HotstateError {}
export declare class TimeoutError extends HotstateError {}
export declare class UnavailableError extends HotstateError {}
export declare class ClosedError extends HotstateError {}
export declare class RefusedError extends HotstateError {}
export declare class TypeMismatchError extends HotstateError {}
/** code 'HS_ERR_PERMISSION_DENIED': the server refused the API token, or its scope. */
export declare class PermissionDeniedError extends HotstateError {}
/** code 'HS_ERR_IO': a local file (the offline cache) could not be removed. */
export declare class LocalFileError extends HotstateError {}
/** code 'HS_ERR_CHANGES_OVERFLOW': a changes() consumer fell bufferSize batches behind. */
export declare class ChangesOverflowError extends HotstateError {}

/**
 * Removes the offline cache file at `path` and the temporary files interrupted writes left
 * next to it. Nothing to remove is fine; a directory is never removed. InvalidArgumentError
 * for an empty path, LocalFileError when a file is there but cannot be removed. A client
 * open on the same path writes it again: use client.wipeCache() for that. Synchronous.
 */
export declare function wipeCache(path: string): void;

/** The native library's version, e.g. "0.1.0". */
export declare const version: string;
export declare const abiVersion: number;
