/**
 * The embedded store's thread (issue 19: "where the recorder's store work blocks the ingest
 * thread, move it off that thread"): a worker that opens the DuckDB file and runs every call of
 * {@link ThreadedDuckDbStore} (stores/threaded-duckdb.ts) on it. DuckDB's appender is synchronous,
 * and a batch's rows used to be appended value by value on the thread that tails and parses lines.
 *
 * Protocol (structured clone over the worker's port): the worker answers its start with
 * `{ id: 0, encryption }` or `{ id: 0, error }`; then each request `{ id, op, args }` gets
 * `{ id, value }` or `{ id, error }`, where an error is `{ name, message, stack }`. The ops are the
 * store's own methods by name, `insertEncoded` (a batch encoded by row-codec.ts, its arrays packed
 * in the request's `buffer`, moved here and moved back with the reply: `{ id, value, buffer }` or
 * `{ id, error, buffer }`; to the store's `insertBatchEncoded`), `side.all` / `side.run` / `side.hasTable` (the clean-up job's connection)
 * and `tx.begin` / `tx.end` (a clean-up transaction, held open between them).
 */
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { DuckDbStore } from './duckdb.js';
import type { SqlBackend, SqlRunner } from './retained.js';
import { unpackRows, type PackedTable } from './row-codec.js';
import { errorOf, STORE_OPS, type DuckDbThreadData, type ThreadReply, type ThreadRequest } from './thread-protocol.js';

/** A clean-up transaction held open in the worker until the main thread ends it. */
interface HeldTx {
  end(ok: boolean): void;
  readonly done: Promise<unknown>;
}

// Named for `top -H`, `ps -L` and the overhead bench (scripts/bench/overhead.ts), as the /metrics
// workers name theirs (instrument/worker.ts). Linux only; best effort.
try {
  writeFileSync('/proc/thread-self/comm', 'store:duckdb');
} catch {
  // Not Linux, or /proc not mounted: the thread keeps its name.
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('duckdb-thread.ts runs as a worker');
  const data = workerData as DuckDbThreadData;
  let store: DuckDbStore;
  try {
    store = await DuckDbStore.open(data.path, data.options);
  } catch (err) {
    port.postMessage({ id: 0, error: errorOf(err) } satisfies ThreadReply);
    return;
  }
  let backend: SqlBackend | undefined;
  const side = (): SqlBackend => (backend ??= store.sqlBackend());
  const txs = new Map<number, HeldTx>();
  const ops = new Set<string>(STORE_OPS);

  const run = async (r: ThreadRequest): Promise<unknown> => {
    if (ops.has(r.op)) return (store[r.op as (typeof STORE_OPS)[number]] as (...a: unknown[]) => Promise<unknown>).apply(store, [...r.args]);
    switch (r.op) {
      case 'insertEncoded':
        if (!r.buffer) throw new Error('insertEncoded without its packed rows');
        return store.insertBatchEncoded(unpackRows(r.args[0] as readonly PackedTable[], r.buffer), r.args[1] as string);
      case 'side.all':
        return side().all(r.args[0] as string, r.args[1] as readonly unknown[] | undefined);
      case 'side.run':
        return side().run(r.args[0] as string, r.args[1] as readonly unknown[] | undefined);
      case 'side.hasTable':
        return side().hasTable(r.args[0] as string);
      case 'tx.begin': {
        // Resolves once the transaction has begun (after every batch before it); it stays open,
        // holding the store's writing turn, until tx.end names it.
        const txId = r.args[0] as number;
        return new Promise<void>((begun, failed) => {
          let end: (ok: boolean) => void = () => undefined;
          const done = side()
            .transaction(
              (_x: SqlRunner) =>
                new Promise<void>((res, rej) => {
                  end = (ok) => (ok ? res() : rej(new Error('rolled back by the main thread')));
                  begun();
                }),
            )
            .catch((err: unknown) => {
              failed(err);
              throw err;
            });
          done.catch(() => undefined);
          txs.set(txId, { end: (ok) => end(ok), done });
        });
      }
      case 'tx.end': {
        const txId = r.args[0] as number;
        const ok = r.args[1] as boolean;
        const tx = txs.get(txId);
        if (!tx) throw new Error(`no open transaction ${txId}`);
        txs.delete(txId);
        tx.end(ok);
        if (ok) await tx.done; // a failed COMMIT is the caller's error
        else await tx.done.catch(() => undefined);
        return undefined;
      }
      case 'close':
        await store.close();
        return undefined;
      default:
        throw new Error(`unknown store operation ${r.op}`);
    }
  };

  port.on('message', (r: ThreadRequest) => {
    // A buffer the request moved here goes back with the reply, for the next request.
    const back = r.buffer ? { buffer: r.buffer } : {};
    const moved = r.buffer ? [r.buffer] : [];
    run(r).then(
      (value) => port.postMessage({ id: r.id, value, ...back } satisfies ThreadReply, moved),
      (err: unknown) => port.postMessage({ id: r.id, error: errorOf(err), ...back } satisfies ThreadReply, moved),
    );
  });
  port.postMessage({ id: 0, value: store.encryption } satisfies ThreadReply);
}

void serve();
