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
  /** Whole collections to replicate. Give collections or selectors (or only flagCollections). */
  collections?: string[] | string;
  /** Collections with a key prefix. */
  selectors?: Array<{ collection: string; prefix?: string }>;
  /**
   * Collections of flag definitions (flagd's format, docs/flags.md) to evaluate with
   * evaluateBool() and friends. Each is replicated whole: it needs no collections entry.
   */
  flagCollections?: string[] | string;
  /** Offline cache file: loaded at start, written every cacheIntervalMs and at close. */
  cachePath?: string;
  cacheIntervalMs?: number;
  /** No frame for this long: 'stale'; twice this: reconnect. Default: three heartbeats. */
  staleAfterMs?: number;
  /** Full-jitter reconnect backoff; a part left out (or 0) is the core's default (100 ms, 10 s). */
  backoff?: { initialMs?: number; maxMs?: number };
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
  /** Flags of the flag collections that do not compile (see flagProblems()). */
  flagErrors: number;
}

/** A value an evaluation context can hold (a Date is its ISO 8601 text, as in JSON). */
export type ContextValue =
  | null
  | boolean
  | number
  | string
  | Date
  | ContextValue[]
  | { [name: string]: ContextValue | undefined };

/**
 * The attributes a targeting rule reads with `var`, as a plain object converted on each
 * call; `targetingKey` is the targeting key. Functions, symbols, BigInts, NaN, Map, Set,
 * typed arrays, cycles and nesting deeper than 64 levels are a TypeError.
 */
export interface EvaluationAttributes {
  targetingKey?: string;
  [name: string]: ContextValue | undefined;
}

/** A context: a plain object of attributes, or an EvalContext built once and reused. */
export type FlagContext = EvaluationAttributes | EvalContext;

/** OpenFeature's resolution reasons. */
export type FlagReason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'ERROR' | 'STALE' | 'CACHED' | 'UNKNOWN';

/** OpenFeature's error codes: why the default was returned. */
export type FlagErrorCode =
  | 'FLAG_NOT_FOUND'
  | 'PARSE_ERROR'
  | 'TYPE_MISMATCH'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'GENERAL'
  | 'PROVIDER_NOT_READY';

/** A flag's metadata: the flag set's, overridden by the flag's own. */
export type FlagMetadata = { [key: string]: string | number | boolean };

/** What an evaluation gave and why (OpenFeature's field names). */
export interface FlagDetails<T> {
  /** The variant's value, or the default when errorCode (or DISABLED) says it could not give one. */
  value: T;
  /** The variant's name; undefined when the default applies. */
  variant?: string;
  reason: FlagReason;
  /** undefined unless the evaluation failed. */
  errorCode?: FlagErrorCode;
  errorMessage?: string;
  flagMetadata: FlagMetadata;
}

/** OpenFeature's flag types; an evaluation of another type is TYPE_MISMATCH. */
export type FlagType = 'boolean' | 'string' | 'number' | 'object';

/** A flag's problem: its record does not compile (it evaluates to the default, PARSE_ERROR). */
export interface FlagProblem {
  collection: string;
  key: string;
  message: string;
}

/**
 * An evaluation context built once and reused on hot paths (a plain object is converted
 * on every call). close() frees its native handle at once; otherwise it is freed when the
 * object is collected. Using it after close() is a ClosedError.
 */
export declare class EvalContext {
  constructor(attributes?: EvaluationAttributes);
  /** Replaces one attribute ('targetingKey': the targeting key); undefined removes it. */
  set(name: string, value: ContextValue | undefined): this;
  remove(name: string): this;
  clear(): this;
  close(): void;
  readonly closed: boolean;
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

  /**
   * Flags, evaluated locally (docs/flags.md): the flag's value for the context, or
   * defaultValue whenever it cannot give one (missing, broken, disabled, of another type,
   * closed client). They never throw for the flag's sake; evaluate() says why.
   */
  evaluateBool(collection: string, key: string, defaultValue: boolean, context?: FlagContext | null): boolean;
  evaluateString(collection: string, key: string, defaultValue: string, context?: FlagContext | null): string;
  /** Any numeric variant, as a number. */
  evaluateNumber(collection: string, key: string, defaultValue: number, context?: FlagContext | null): number;
  /** Object flags: the variant's object, decoded fresh on each call; another type of flag gives the default (TYPE_MISMATCH). */
  evaluateObject<T = JsonValue>(collection: string, key: string, defaultValue: T, context?: FlagContext | null): JsonValue | T;
  evaluate(collection: string, key: string, context: FlagContext | null | undefined, options: { type: 'boolean'; defaultValue: boolean }): FlagDetails<boolean>;
  evaluate(collection: string, key: string, context: FlagContext | null | undefined, options: { type: 'string'; defaultValue: string }): FlagDetails<string>;
  evaluate(collection: string, key: string, context: FlagContext | null | undefined, options: { type: 'number'; defaultValue: number }): FlagDetails<number>;
  evaluate<T = JsonValue>(collection: string, key: string, context: FlagContext | null | undefined, options: { type: 'object'; defaultValue: T }): FlagDetails<JsonValue | T>;
  /** Without a type: whatever the flag holds; value is undefined when the default applies and none was given. */
  evaluate(collection: string, key: string, context?: FlagContext | null, options?: { type?: FlagType; defaultValue?: JsonValue }): FlagDetails<JsonValue | undefined>;
  /**
   * listener runs (on the JS thread) each time the flag's evaluation for the context gives
   * another variant, value or error: after the flag, its $evaluators or a record its rule
   * reads changed. The evaluation at subscription is the starting point (no call for it).
   * Returns the unsubscribe function. Never keeps the process alive.
   */
  onFlagChange(collection: string, key: string, context: FlagContext | null | undefined, listener: (details: FlagDetails<JsonValue | undefined>) => void): () => void;
  onFlagChange(collection: string, key: string, listener: (details: FlagDetails<JsonValue | undefined>) => void): () => void;
  /** The flags of the flag collections that do not compile, sorted by collection and key. */
  flagProblems(): FlagProblem[];

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
