/**
 * Chain checkpoints: what lets retention delete the oldest rows of a hash-chained table without
 * `audit verify` failing. Deleting rows 1..n of a chain leaves row n+1 first, with a `prev_hash`
 * that no row in the table produces; verify used to walk from seq 1 and could not tell a cut made by
 * policy from rows deleted by someone else. So at every cut, before deleting, the clean-up job
 * (cleanup.ts) checks the part of the chain it is about to delete (links, hashes, every column
 * derived again, as verify does) and records a checkpoint in the table `chain_checkpoints`, in the
 * same transaction as the delete (DuckDB, PostgreSQL; on ClickHouse just before it):
 *
 * | column | what it holds |
 * |---|---|
 * | `table_name` | the chained table |
 * | `seq` | `chain_seq` of the first row kept: the chain continues from here |
 * | `prev_hash` | that row's `prev_hash` |
 * | `last_removed_hash` | the `row_hash` of the last row deleted (equal to `prev_hash`: the job refuses to cut a chain where they differ) |
 * | `cut_ns` | the cut: rows of the deleted part are older than this (event time, ns since the epoch) |
 * | `rows_removed` | rows this cut deleted |
 * | `created_ns` | when the checkpoint was made (ns since the epoch) |
 * | `algorithm` | `hmac-sha256` (signed) or `sha256` (not signed) |
 * | `key_id` | the first 16 hex digits of SHA-256 of the key, naming which key signed it (null unsigned) |
 * | `signature` | HMAC-SHA256 with the key, or plain SHA-256, over {@link checkpointMessage} (hex) |
 *
 * Signed: with `--checkpoint-key-file` the signature is an HMAC-SHA256 with a secret key, so a
 * checkpoint cannot be made or edited without the key (a forged cut, to hide deleted rows, needs
 * it). Without a key it is a plain SHA-256 digest: it detects a checkpoint edited by mistake, not
 * one rewritten on purpose (anyone can recompute it), and verify says the checkpoint is not signed.
 *
 * `audit verify` (verify.ts) starts each chain at its first row: seq 1 from the genesis hash, or a
 * checkpoint with exactly that seq and prev_hash whose signature checks; a chain whose first row is
 * neither is reported (rows deleted without a checkpoint). A checkpoint whose signature does not
 * check is named; a signed one needs the key to check (`--checkpoint-key-file`); with a key, an
 * unsigned checkpoint is refused. Archived rows (`<table>_archive`, DuckDB and PostgreSQL) are part
 * of the chain: verify reads the archive as its older part, so archiving is not a cut and needs no
 * checkpoint; the checkpoint is made where rows leave the store for good (the archive's delete, or
 * the table's own delete when it has no archive tier).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TableName } from '../catalog/tables.js';

/** One checkpoint (see the module comment). */
export interface Checkpoint {
  readonly table: TableName;
  readonly seq: number;
  readonly prevHash: string;
  readonly lastRemovedHash: string;
  readonly cutNs: bigint;
  readonly rowsRemoved: number;
  readonly createdNs: bigint;
  readonly algorithm: 'hmac-sha256' | 'sha256';
  readonly keyId: string | null;
  readonly signature: string;
}

/** A signing key (the bytes of `--checkpoint-key-file`, trailing newline removed) and its id. */
export interface CheckpointKey {
  readonly key: Buffer;
  /** First 16 hex digits of SHA-256 of the key: names the key without revealing it. */
  readonly id: string;
  /** The file it came from, for messages. */
  readonly file: string;
}

/** The table's name on every store. */
export const CHECKPOINT_TABLE = 'chain_checkpoints';

/** The columns, in order (as the DDL makes them). */
export const CHECKPOINT_COLUMNS = ['table_name', 'seq', 'prev_hash', 'last_removed_hash', 'cut_ns', 'rows_removed', 'created_ns', 'algorithm', 'key_id', 'signature'] as const;

/** DuckDB and PostgreSQL (the same SQL). */
export const CHECKPOINT_SQL_DDL = `CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (
  table_name VARCHAR NOT NULL,
  seq BIGINT NOT NULL,
  prev_hash VARCHAR NOT NULL,
  last_removed_hash VARCHAR NOT NULL,
  cut_ns BIGINT NOT NULL,
  rows_removed BIGINT NOT NULL,
  created_ns BIGINT NOT NULL,
  algorithm VARCHAR NOT NULL,
  key_id VARCHAR,
  signature VARCHAR NOT NULL
)`;

/** ClickHouse, current and 18.16 alike. */
export function checkpointClickhouseDDL(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${database}.${CHECKPOINT_TABLE} (
  table_name String,
  seq Int64,
  prev_hash String,
  last_removed_hash String,
  cut_ns Int64,
  rows_removed Int64,
  created_ns Int64,
  algorithm String,
  key_id Nullable(String),
  signature String
) ENGINE = MergeTree ORDER BY (table_name, seq)`;
}

/** The signed text: every field but the signature, one per line, after a version tag. */
export function checkpointMessage(c: Omit<Checkpoint, 'algorithm' | 'keyId' | 'signature'>): string {
  return ['tickwatch-chain-checkpoint-v1', c.table, String(c.seq), c.prevHash, c.lastRemovedHash, String(c.cutNs), String(c.rowsRemoved), String(c.createdNs)].join('\n');
}

/**
 * Reads a signing key: the file's bytes without a trailing newline, at least 16 bytes
 * (`openssl rand -base64 32 > key; chmod 600 key`).
 * @throws Error naming the file when it cannot be read or is too short
 */
export function readCheckpointKey(file: string): CheckpointKey {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new Error(`--checkpoint-key-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let end = raw.length;
  while (end > 0 && (raw[end - 1] === 0x0a || raw[end - 1] === 0x0d)) end--;
  const key = raw.subarray(0, end);
  if (key.length < 16) throw new Error(`--checkpoint-key-file ${file}: the key is ${key.length} bytes; use at least 16 (openssl rand -base64 32 > ${file})`);
  return { key: Buffer.from(key), id: createHash('sha256').update(key).digest('hex').slice(0, 16), file };
}

/** Signs a checkpoint: HMAC-SHA256 with `key`, or a plain SHA-256 digest without one. */
export function signCheckpoint(c: Omit<Checkpoint, 'algorithm' | 'keyId' | 'signature'>, key?: CheckpointKey): Checkpoint {
  const msg = checkpointMessage(c);
  if (key) return { ...c, algorithm: 'hmac-sha256', keyId: key.id, signature: createHmac('sha256', key.key).update(msg).digest('hex') };
  return { ...c, algorithm: 'sha256', keyId: null, signature: createHash('sha256').update(msg).digest('hex') };
}

const sameHex = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * What is wrong with a checkpoint's signature, or null when it checks.
 * @param key - the key verify was given, if any: a signed checkpoint needs it; with it, an
 *   unsigned checkpoint is refused (it could have replaced a signed one)
 */
export function checkpointProblem(c: Checkpoint, key?: CheckpointKey): string | null {
  const at = `checkpoint of ${c.table} at seq ${c.seq}`;
  const msg = checkpointMessage(c);
  if (c.algorithm === 'hmac-sha256') {
    if (!key) return `${at} is signed (HMAC-SHA256, key ${c.keyId ?? '?'}) and cannot be checked without the key: give --checkpoint-key-file`;
    if (c.keyId !== key.id) return `${at} was signed with another key (${c.keyId ?? '?'}, given ${key.id})`;
    return sameHex(createHmac('sha256', key.key).update(msg).digest('hex'), c.signature) ? null : `${at}: its signature does not match its fields (checkpoint altered)`;
  }
  if (c.algorithm === 'sha256') {
    if (!sameHex(createHash('sha256').update(msg).digest('hex'), c.signature)) return `${at}: its digest does not match its fields (checkpoint altered)`;
    return key ? `${at} is not signed, and a key was given (an unsigned checkpoint could replace a signed one)` : null;
  }
  return `${at}: unknown algorithm ${JSON.stringify(c.algorithm)}`;
}

/** A checkpoint from a stored row (any store's types: bigints, numbers or decimal strings). */
export function checkpointOf(o: Readonly<Record<string, unknown>>): Checkpoint {
  return {
    table: String(o.table_name) as TableName,
    seq: Number(o.seq),
    prevHash: String(o.prev_hash),
    lastRemovedHash: String(o.last_removed_hash),
    cutNs: BigInt(o.cut_ns as string | number | bigint),
    rowsRemoved: Number(o.rows_removed),
    createdNs: BigInt(o.created_ns as string | number | bigint),
    algorithm: String(o.algorithm) as Checkpoint['algorithm'],
    keyId: o.key_id === null || o.key_id === undefined ? null : String(o.key_id),
    signature: String(o.signature),
  };
}

/** A checkpoint as a row of {@link CHECKPOINT_COLUMNS}, in order (`ts`-like values as bigints). */
export function checkpointRow(c: Checkpoint): unknown[] {
  return [c.table, BigInt(c.seq), c.prevHash, c.lastRemovedHash, c.cutNs, BigInt(c.rowsRemoved), c.createdNs, c.algorithm, c.keyId, c.signature];
}
