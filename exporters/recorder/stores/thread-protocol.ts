/**
 * The messages between the embedded store's thread (stores/duckdb-thread.ts) and its caller
 * (stores/threaded-duckdb.ts). Kept apart from the worker's entry, which starts serving when loaded.
 */
import type { DuckDbOpenOptions } from './duckdb.js';

/** What the worker is started with. */
export interface DuckDbThreadData {
  readonly path: string;
  readonly options: DuckDbOpenOptions;
}

/** A request to the store's thread. */
export interface ThreadRequest {
  readonly id: number;
  readonly op: string;
  readonly args: readonly unknown[];
  /** A buffer the request moved to the worker (`insertEncoded`'s packed rows); the reply moves it back. */
  readonly buffer?: ArrayBuffer;
}

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The answer to a request (or to the start, id 0). */
export type ThreadReply = { readonly id: number; readonly value?: unknown; readonly error?: ThreadError; readonly buffer?: ArrayBuffer };

/** The store methods a request may name (the rest of the protocol is the side connection and transactions). */
export const STORE_OPS = ['init', 'threads', 'insert', 'insertBatch', 'countByToken', 'count', 'chainHeads', 'readChain', 'search', 'searchLogs', 'execTime', 'checkpoints', 'searchAlerts'] as const;

/** An error as it crosses the thread boundary (a thrown non-Error becomes an Error of its text). */
export function errorOf(err: unknown): ThreadError {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
}
