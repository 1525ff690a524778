/**
 * The key of an encrypted embedded store (DuckDB's AES-GCM-256 database encryption, DuckDB 1.4+;
 * seed 001: encryption at rest). The key lives in a file that only its owner may read, given with
 * `--duckdb-key-file <file>` or `TICKWATCH_DUCKDB_KEY_FILE`; it is never logged and never leaves
 * this process but for DuckDB's ATTACH. What is and is not encrypted: README, "Encryption at rest".
 */
import { readFileSync, statSync } from 'node:fs';

/** The environment variable naming the key file when no `--duckdb-key-file` is given. */
export const DUCKDB_KEY_FILE_ENV = 'TICKWATCH_DUCKDB_KEY_FILE';

/** Shortest key accepted, in characters: `openssl rand -base64 32` writes 44. */
export const MIN_KEY_CHARS = 16;

/** A key read from its file. */
export interface StoreKey {
  /** The key: the file's text without its final line break. Never log it. */
  readonly secret: string;
  /** The file it came from, for messages. */
  readonly file: string;
}

/** A key file that cannot be used, or a key that does not fit the store (wrong, missing, or given for a plain file). */
export class StoreKeyError extends Error {
  override readonly name = 'StoreKeyError';
}

/**
 * Reads a key file. The file holds one line: a random key (`openssl rand -base64 32 > file`, 32
 * random bytes in base64) or a passphrase of at least {@link MIN_KEY_CHARS} characters; one final
 * line break is dropped. DuckDB derives the AES-256 key from it.
 * @param file - path of the key file
 * @throws StoreKeyError when the file is missing or not a regular file, can be read or written by
 *   group or others (mode & 0o077; `chmod 600` it), is not UTF-8 text, holds more than one line or
 *   a NUL, or is shorter than {@link MIN_KEY_CHARS} characters
 */
export function readKeyFile(file: string): StoreKey {
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new StoreKeyError(`the key file ${file} is not a regular file`);
    mode = st.mode;
  } catch (err) {
    if (err instanceof StoreKeyError) throw err;
    throw new StoreKeyError(`the key file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new StoreKeyError(`the key file ${file} can be read or written by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${file}`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new StoreKeyError(`the key file ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new StoreKeyError(`the key file ${file} is not text: write the key in base64 (openssl rand -base64 32 > ${file})`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (/[\r\n\0]/.test(secret)) throw new StoreKeyError(`the key file ${file} holds more than one line: it must hold the key alone`);
  if (secret.length < MIN_KEY_CHARS) throw new StoreKeyError(`the key in ${file} is ${secret.length ? 'too short' : 'empty'}: give at least ${MIN_KEY_CHARS} characters (openssl rand -base64 32 > ${file})`);
  return { secret, file };
}

/** `s` as an SQL string literal (single quotes doubled). */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** `message` with every occurrence of `secret` replaced, so that no error or log line carries a key. */
export function scrubSecret(message: string, secret: string): string {
  return secret ? message.split(secret).join('[key]').split(sqlString(secret).slice(1, -1)).join('[key]') : message;
}
