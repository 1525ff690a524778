/**
 * The engine's files as sources: a path, the log format its lines are in, and the component that
 * lines naming none belong to. Seed 002's engines keep one log file per service
 * (`strategy_runner.log`, `risk_engine.log`), so a file's default component is its name without the
 * extension.
 */
import { basename, extname, resolve } from 'node:path';
import { LOG_FORMATS } from '../catalog/enums.js';
import type { FormatOption } from '../events/formats.js';

/** One file source. */
export interface FileSource {
  /** The file the engine appends to (absolute after {@link fileSource}). */
  readonly path: string;
  /** Its format; default `auto` (detected per line). */
  readonly format?: FormatOption;
  /** Component of lines that name none; default the file name without its extension. */
  readonly component?: string;
}

/** A file source, or just its path. */
export type FileSpec = string | FileSource;

const FORMATS: ReadonlySet<string> = new Set([...LOG_FORMATS, 'auto']);

/** The file source a spec names, with its path made absolute and its defaults filled in. */
export function fileSource(spec: FileSpec, defaultFormat: FormatOption = 'auto'): Required<FileSource> {
  const s = typeof spec === 'string' ? { path: spec } : spec;
  const path = resolve(s.path);
  return { path, format: s.format ?? defaultFormat, component: s.component ?? basename(path, extname(path)) };
}

/**
 * Parses `path[:format]` (`/var/log/hft/strategy_runner.log:structlog`); a suffix that is not a
 * format name is part of the path.
 */
export function parseFileSpec(v: string): FileSource {
  const i = v.lastIndexOf(':');
  if (i > 0 && FORMATS.has(v.slice(i + 1))) return { path: v.slice(0, i), format: v.slice(i + 1) as FormatOption };
  return { path: v };
}
