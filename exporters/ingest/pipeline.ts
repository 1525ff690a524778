/**
 * The ingest pipeline shared by every source (file tail, TCP, in-process): parse, validate
 * against the event contract, count, hand valid events to the consumers (metric derivation, the
 * audit recorder), and reject the rest with a reason.
 *
 * A rejected line is counted in `tickwatch_ingest_rejected_total{source,reason}`, appended to the
 * dead-letter file with its reason, detail and byte offset, and logged (every one at debug; the
 * first of each reason every 10 s at warn, with how many were not logged since). Nothing that
 * arrives is silently dropped, and no input can throw out of the pipeline.
 */
import { isUtf8 } from 'node:buffer';
import { ingestBytesTotal, ingestEventsTotal, ingestLastEventTimestampSeconds, ingestRejectedTotal } from '../catalog/ingest.js';
import type { CounterSeries, GaugeSeries } from '../instrument/series.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { Log } from '../lib/log.js';
import { VALIDATORS, type HftEvent } from '../events/index.js';
import type { DeadLetterFile, RejectReason } from './deadletter.js';
import type { LineSink } from './lines.js';
import { parseTimestampSeconds } from './timestamp.js';

/** Where events come from; the `source` label. */
export type SourceKind = 'file' | 'tcp' | 'inprocess';

/**
 * Receives each valid event with its time in Unix seconds and, for line sources, the line as
 * received. Must not throw (a throw is counted as `internal`).
 */
export type EventConsumer = (ev: HftEvent, tsSeconds: number, raw?: string) => void;

/** Options of an {@link IngestPipeline}. */
export interface PipelineOptions {
  readonly registry: MetricRegistry;
  readonly deadLetter: DeadLetterFile;
  readonly log: Log;
  /** Consumers, called in order for every valid event. */
  readonly consumers: readonly EventConsumer[];
}

const REASONS: readonly RejectReason[] = ['invalid_json', 'schema', 'unknown_event', 'too_large', 'encoding'];
const LOG_EVERY_MS = 10_000;

/** One source's entry into the pipeline: a {@link LineSink} plus byte accounting. */
export interface SourceSink extends LineSink {
  readonly kind: SourceKind;
  readonly origin: string;
  /** Counts bytes read (for `tickwatch_ingest_bytes_total`). */
  bytes(n: number): void;
  /** Accepts an already-parsed event (in-process producers); returns whether it was valid. */
  object(v: unknown): boolean;
}

/** The pipeline. One per exporter; sources are added with {@link IngestPipeline.source}. */
export class IngestPipeline {
  /** Valid events passed to consumers. */
  accepted = 0;
  /** Lines rejected. */
  rejected = 0;
  private readonly lastLogged = new Map<RejectReason | 'internal', { at: number; suppressed: number }>();

  constructor(private readonly opts: PipelineOptions) {}

  /** A sink for one source (a tailed file, a TCP connection). */
  source(kind: SourceKind, origin: string): SourceSink {
    const reg = this.opts.registry;
    const events = reg.counter(ingestEventsTotal);
    const byComponent = new Map<string, CounterSeries>();
    const rejected = new Map<string, CounterSeries>();
    for (const r of [...REASONS, 'internal'] as const) rejected.set(r, reg.counter(ingestRejectedTotal).labels(kind, r));
    const bytes = reg.counter(ingestBytesTotal).labels(kind);
    const lastTs: GaugeSeries = reg.gauge(ingestLastEventTimestampSeconds).labels(kind);
    const consumers = this.opts.consumers;

    const reject = (reason: RejectReason | 'internal', detail: string, line: string, offset: number, length: number): void => {
      this.rejected++;
      rejected.get(reason)!.inc();
      this.opts.deadLetter.write({
        received_at: new Date().toISOString(),
        reason: reason === 'internal' ? 'schema' : reason,
        detail,
        source: kind,
        origin,
        offset,
        line,
        bytes: length,
      });
      this.logReject(reason, detail, origin, offset);
    };

    const accept = (v: Record<string, unknown>, text: string, offset: number, length: number): boolean => {
      // In-process events have no line: the dead-letter record gets their JSON.
      const line = text || safeJson(v);
      const name = v.event;
      if (typeof name !== 'string') {
        reject('schema', '/event: required string property is missing', line, offset, length);
        return false;
      }
      const check = VALIDATORS.get(name);
      if (check === undefined) {
        reject('unknown_event', `unknown event type '${name.slice(0, 64)}'`, line, offset, length);
        return false;
      }
      if (!check.Check(v)) {
        const e = check.Errors(v).First();
        reject('schema', e ? `${e.path || '/'}: ${e.message}` : 'does not match the schema', line, offset, length);
        return false;
      }
      const ts = parseTimestampSeconds(v.ts as string);
      if (ts !== ts) {
        reject('schema', '/ts: not a valid date and time', line, offset, length);
        return false;
      }
      const component = v.component as string;
      let c = byComponent.get(component);
      if (c === undefined) byComponent.set(component, (c = events.labels(kind, component)));
      c.inc();
      lastTs.set(ts);
      this.accepted++;
      const ev = v as unknown as HftEvent;
      for (let i = 0; i < consumers.length; i++) {
        try {
          consumers[i]!(ev, ts, text || undefined);
        } catch (err) {
          rejected.get('internal')!.inc();
          this.logReject('internal', `consumer failed: ${(err as Error).message}`, origin, offset);
        }
      }
      return true;
    };

    return {
      kind,
      origin,
      bytes: (n) => bytes.inc(n),
      line: (text, offset, chunk, start, end) => {
        if (text.includes('\uFFFD') && !isUtf8(chunk.subarray(start, end))) {
          reject('encoding', 'the line is not valid UTF-8', text, offset, end - start);
          return;
        }
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch (err) {
          reject('invalid_json', (err as Error).message, text, offset, end - start);
          return;
        }
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          reject('invalid_json', 'a line must be one JSON object', text, offset, end - start);
          return;
        }
        accept(v as Record<string, unknown>, text, offset, end - start);
      },
      oversize: (prefix, length, offset) => {
        reject('too_large', `line of ${length} bytes is over the limit of ${prefix.length} bytes; the first ${prefix.length} bytes are kept`, prefix.toString('utf8'), offset, length);
      },
      object: (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          reject('invalid_json', 'an event must be an object', safeJson(v), 0, 0);
          return false;
        }
        return accept(v as Record<string, unknown>, '', 0, 0);
      },
    };
  }

  private logReject(reason: RejectReason | 'internal', detail: string, origin: string, offset: number): void {
    const log = this.opts.log;
    if (log.enabled('debug')) log.debug('ingest.line_rejected', `Rejected a line: ${reason}.`, { reason, detail, origin, offset });
    const now = Date.now();
    const s = this.lastLogged.get(reason);
    if (s && now - s.at < LOG_EVERY_MS) {
      s.suppressed++;
      return;
    }
    log.warn('ingest.line_rejected', `Rejected a line (${reason}); it is in the dead-letter file.`, {
      reason,
      detail,
      origin,
      offset,
      not_logged_since_last: s?.suppressed ?? 0,
    });
    this.lastLogged.set(reason, { at: now, suppressed: 0 });
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
