/**
 * The ingest pipeline shared by every source (file tail, TCP, in-process): parse, map the line's
 * log format onto the envelope (events/formats.ts), validate, count, hand each accepted event to
 * the consumers (metric derivation, the audit recorder), and reject the rest with a reason. A line
 * that is a flat JSON object is read from its bytes (flat.ts, with its `ts` parsed from them too),
 * any other by `JSON.parse`: the same object either way.
 *
 * The stream is open: a line of one of the contract's event types must match that type's schema;
 * any other well-formed line with a valid envelope (`ts`, `component`, `level`, `event`, optional
 * ids and `message`) is a generic log event, accepted, counted in
 * `tickwatch_log_events_total{component,level}` (like every accepted line) and passed on. Only a
 * line that is not JSON, not UTF-8, too large, has no valid envelope, or fails its known type's
 * schema is bad input.
 *
 * A rejected line is counted in `tickwatch_ingest_rejected_total{source,reason}`, appended to the
 * dead-letter file with its reason, detail and byte offset, and logged (every one at debug; the
 * first of each reason every 10 s at warn, with how many were not logged since). Nothing that
 * arrives is silently dropped, and no input can throw out of the pipeline. Components outside the
 * closed set are counted under `component="other"`, never as label values of their own.
 *
 * Secrets are redacted first (redact.ts): a parsed line whose keys look like secrets has their
 * values replaced, and the consumers get the redacted line (the recorder stores and hash-chains
 * that); a rejected line and the detail logged with it are redacted as text, best-effort.
 */
import { isUtf8 } from 'node:buffer';
import { COMPONENTS, levelRankOf } from '../catalog/enums.js';
import { ingestBytesTotal, ingestEventsTotal, ingestLastEventTimestampSeconds, ingestRejectedTotal, logEventsTotal } from '../catalog/ingest.js';
import { LEVELS, type Level } from '../events/define.js';
import { LEVEL_SET, normalize, type FormatOption, type LogFormat, type SourceDefaults } from '../events/formats.js';
import { ENVELOPE_CHECK, EVENT_TYPES, VALIDATORS, type HftEvent } from '../events/index.js';
import { OTHER } from '../instrument/registry.js';
import type { TObject } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { CounterSeries, GaugeSeries } from '../instrument/series.js';
import type { MetricRegistry } from '../instrument/registry.js';
import type { Log } from '../lib/log.js';
import type { DeadLetterFile, RejectReason } from './deadletter.js';
import { knownAscii, type LineSink } from './lines.js';
import { Redactor } from './redact.js';
import { envelopePrefix, sameEnvelope } from './prefix.js';
import { FlatJsonReader } from './flat.js';
import { parseTimestampBytes, parseTimestampSeconds } from './timestamp.js';

/** Where events come from; the `source` label. */
export type SourceKind = 'file' | 'tcp' | 'inprocess';

/** What the pipeline knows about an accepted event besides the event itself. */
export interface EventInfo {
  /** The format the line was read as. */
  readonly format: LogFormat;
  /** Whether the event is of a type of the contract (checked against its schema); else a generic log event. */
  readonly known: boolean;
  /**
   * Whether the event differs from the line's own JSON (another format, a level or component the
   * mapping filled in): the recorder then keeps the format so that the line can be read again the same way.
   */
  readonly mapped: boolean;
  /** Where it came from. */
  readonly source: SourceKind;
}

/**
 * Receives each accepted event, mapped onto the envelope, with its time in Unix seconds, the line as
 * received (for line sources) and {@link EventInfo}. A generic log event (`info.known` false) is
 * typed as an `HftEvent` whose `event` is none of the contract's names: consumers switch on known
 * names and treat the rest as log records. Must not throw (a throw is counted as `internal`), and must
 * not change the event: it may be handed to another pipeline's consumers too ({@link SourceSink.echo}).
 */
export type EventConsumer = (ev: HftEvent, tsSeconds: number, raw: string | undefined, info: EventInfo) => void;

/** Options of an {@link IngestPipeline}. */
export interface PipelineOptions {
  readonly registry: MetricRegistry;
  readonly deadLetter: DeadLetterFile;
  readonly log: Log;
  /** Consumers, called in order for every valid event. */
  readonly consumers: readonly EventConsumer[];
  /**
   * Redacts secret-looking keys before anything is stored, dead-lettered or logged (redact.ts);
   * default `new Redactor()` (DEFAULT_REDACT_KEYS). A redactor of no words keeps only the PEM
   * private-key check on parsed lines.
   */
  readonly redactor?: Redactor;
  /**
   * Lines the consumers would do nothing with, told by their envelope alone (`true`: pass the line
   * by). Such a line of a source read as `tickwatch` or `auto` is counted (events, level, last
   * timestamp) from its first keys ({@link envelopePrefix}: `ts`, `level`, `component`, `event`,
   * its envelope checked) and neither parsed, validated, redacted nor handed on: whatever is wrong
   * further on in it is not rejected here (the HFT exporter's pipeline, which reads every line,
   * dead-letters it). Lines whose envelope cannot be read so take the usual path, and so do all
   * lines for a while when too few were passed by (Shortcut). The recorder passes by the lines
   * that make no row (issue 19). Must be a function of its arguments alone: a line that opens as
   * the last line passed by gets the same answer without a call. Default: none.
   */
  readonly skip?: (event: string, component: string, level: Level) => boolean;
}

/**
 * Whether a shortcut a line may fail to take (and then pays its try on top of the usual path) still
 * pays on a source: of every SAMPLE lines tried, at least one in PAYS_FROM must take it, else the
 * next REST lines take the usual path untried, about one line in 17 tried on a source where it never
 * pays. Used for {@link PipelineOptions.skip}'s envelope scan (about 0.5 us a line; on a stream of
 * lines the recorder keeps it was measured at 0.5-1 us a line added, README: Overhead) and for the
 * flat reader (flat.ts: 301-401 ns a Loguru line, whose nested record it never takes).
 */
class Shortcut {
  private static readonly SAMPLE = 256;
  private static readonly PAYS_FROM = 8;
  private static readonly REST = 4096;
  private tried = 0;
  private taken = 0;
  private resting = 0;

  /** Whether to try the shortcut on this line. */
  worth(): boolean {
    if (this.resting > 0) {
      this.resting--;
      return false;
    }
    if (++this.tried === Shortcut.SAMPLE) {
      if (this.taken * Shortcut.PAYS_FROM < Shortcut.SAMPLE) this.resting = Shortcut.REST;
      this.tried = 0;
      this.taken = 0;
    }
    return true;
  }

  /** The line tried took the shortcut. */
  took(): void {
    this.taken++;
  }
}

const REASONS: readonly RejectReason[] = ['invalid_json', 'envelope', 'schema', 'too_large', 'encoding'];

const COMPONENT_SET: ReadonlySet<string> = new Set(COMPONENTS);
/** Distinct component names whose counters are cached per source (the rest are looked up each time). */
const MAX_CACHED_COMPONENTS = 256;

/** Options of one source. */
export interface SourceOptions extends SourceDefaults {
  /** The source's log format; default `auto` (detected per line). */
  readonly format?: FormatOption;
}
const LOG_EVERY_MS = 10_000;

/** One source's entry into the pipeline: a {@link LineSink} plus byte accounting. */
export interface SourceSink extends LineSink {
  readonly kind: SourceKind;
  readonly origin: string;
  /** Counts bytes read (for `tickwatch_ingest_bytes_total`). */
  bytes(n: number): void;
  /** Accepts an already-parsed event (in-process producers); returns whether it was valid. */
  object(v: unknown): boolean;
  /**
   * How this sink reads a line: its format, default component and redaction words. Two sinks with
   * the same profile make the same event of a line, so one may take the other's
   * {@link SourceSink.last} ({@link SourceSink.echo}).
   */
  readonly profile: string;
  /**
   * What this sink made of the line last handed to {@link LineSink.line}: its event when the line
   * was parsed and accepted (none for a line rejected or passed by unparsed, whose reader then reads
   * the line itself); overwritten by the next line (one object, never reallocated).
   */
  readonly last: LineOutcome;
  /**
   * The line another sink of the same {@link SourceSink.profile} has just taken, with its outcome
   * there (`FileTailer.carry`: one read of a file for two pipelines). A line that sink accepted and
   * this pipeline's {@link PipelineOptions.skip} passes by is counted from `from` alone (events,
   * level, last timestamp: what {@link LineSink.line} would count for it); a line that sink accepted
   * and this one keeps is counted and handed to this pipeline's consumers as the same event
   * (`from.value`, not parsed again); any other line (rejected there) takes {@link LineSink.line}.
   * What is kept, rejected or dead-lettered is what this sink would do with the line read by itself.
   */
  echo(text: string, offset: number, chunk: Buffer, start: number, end: number, from: LineOutcome): void;
}

/** What a sink made of its last line ({@link SourceSink.last}). */
export interface LineOutcome {
  /**
   * The event as the consumers got it (mapped onto the envelope, redacted, validated); undefined
   * after a line that was not accepted. Shared with another sink's consumers by
   * {@link SourceSink.echo}: consumers must not change an event.
   */
  value: HftEvent | undefined;
  /** Its time, Unix seconds. */
  ts: number;
  /** The line as the consumers got it (redacted when redaction changed it). */
  raw: string | undefined;
  /** Its {@link EventInfo}. */
  info: EventInfo | undefined;
}

/** An event type of the contract as the pipeline uses it (see {@link IngestPipeline}'s `types`). */
interface KnownType {
  /** Its compiled schema check (VALIDATORS). */
  readonly check: TypeCheck<TObject>;
  /** The redactor's test that a line of the type holds nothing to redact; null: always walk. */
  readonly clean: ((line: Record<string, unknown>) => boolean) | null;
}

/** The pipeline. One per exporter; sources are added with {@link IngestPipeline.source}. */
export class IngestPipeline {
  /** Valid events passed to consumers, and lines passed by ({@link skipped}). */
  accepted = 0;
  /** Lines rejected. */
  rejected = 0;
  /** Lines passed by unparsed ({@link PipelineOptions.skip}); counted in {@link accepted} too. */
  skipped = 0;
  private readonly lastLogged = new Map<RejectReason | 'internal', { at: number; suppressed: number }>();

  /** The redactor every source uses. */
  readonly redactor: Redactor;

  /**
   * Per event type of the contract, looked up once a line: its compiled validator and the
   * redactor's test that a line of that type holds nothing to redact ({@link Redactor.cleanTest};
   * null for a type whose lines are always walked), made on the type's first line.
   */
  private readonly types = new Map<string, KnownType>();

  /**
   * Reads the lines that are flat JSON objects (every value a string, number, boolean or null)
   * without `JSON.parse`, to the same object (flat.ts); the rest are parsed by `JSON.parse`.
   */
  private readonly flat = new FlatJsonReader();

  constructor(private readonly opts: PipelineOptions) {
    this.redactor = opts.redactor ?? new Redactor();
  }

  /** The name {@link typeOf} was last asked about, and its answer: runs of one type skip the map. */
  private lastTypeName = '';
  private lastType: KnownType | null = null;

  /** The event type named `name`; null when it is not a type of the contract. */
  private typeOf(name: string): KnownType | null {
    if (name === this.lastTypeName) return this.lastType;
    this.lastTypeName = name;
    return (this.lastType = this.lookUpType(name));
  }

  private lookUpType(name: string): KnownType | null {
    let t = this.types.get(name);
    if (t === undefined) {
      const check = VALIDATORS.get(name);
      if (check === undefined) return null;
      const type = EVENT_TYPES.find((e) => e.name === name)!;
      t = { check, clean: this.redactor.cleanTest(Object.keys(type.schema.properties)) ?? null };
      this.types.set(name, t);
    }
    return t;
  }

  /** A sink for one source (a tailed file, a TCP connection), read in its format. */
  source(kind: SourceKind, origin: string, so: SourceOptions = {}): SourceSink {
    const reg = this.opts.registry;
    const format = so.format ?? 'auto';
    const defaults: SourceDefaults = so.component === undefined ? {} : { component: so.component };
    const events = reg.counter(ingestEventsTotal);
    const logEvents = reg.counter(logEventsTotal);
    /** Per component: the events counter, then the log counter per level rank. */
    const byComponent = new Map<string, { events: CounterSeries; levels: CounterSeries[] }>();
    const counters = (component: string) => {
      let c = byComponent.get(component);
      if (c === undefined) {
        const label = COMPONENT_SET.has(component) ? component : OTHER;
        c = { events: events.labels(kind, label), levels: LEVELS.map((l) => logEvents.labels(label, l)) };
        if (byComponent.size < MAX_CACHED_COMPONENTS) byComponent.set(component, c);
      }
      return c;
    };
    const rejected = new Map<string, CounterSeries>();
    for (const r of [...REASONS, 'internal'] as const) rejected.set(r, reg.counter(ingestRejectedTotal).labels(kind, r));
    const bytes = reg.counter(ingestBytesTotal).labels(kind);
    const lastTs: GaugeSeries = reg.gauge(ingestLastEventTimestampSeconds).labels(kind);
    const consumers = this.opts.consumers;
    const redactor = this.redactor;
    /** The last component's counters: a run of lines of one component skips the map (its name is a new string each line). */
    let lastComponent: string | undefined;
    let lastCounters: ReturnType<typeof counters> | undefined;
    const countersOf = (component: string) => (component === lastComponent ? lastCounters! : (lastCounters = counters((lastComponent = component))));
    /**
     * The last chunk checked whole for UTF-8, and its verdict: a line of a valid chunk is valid (its
     * newlines never fall inside a character), so only lines of a chunk that is not (or that ends in
     * the middle of a character) are checked one by one. One check a chunk instead of a search of
     * every line for U+FFFD: 10 ns against 31 ns a line of the normal mix (issue 19). A chunk the
     * splitter found all ASCII is not checked again ({@link knownAscii}).
     */
    let utf8Chunk: Buffer | undefined;
    let utf8Valid = false;
    const skip = format === 'auto' || format === 'tickwatch' ? this.opts.skip : undefined;
    /**
     * Counts and passes by a line {@link PipelineOptions.skip} wants passed by; false when its
     * envelope cannot be read from its first keys, or is not valid, or is wanted.
     */
    const skipPays = new Shortcut();
    /**
     * The last line passed by that had `ts` first: its text before ts's value, its text from the
     * quote closing ts to the end of its envelope ({@link sameEnvelope}), and its two counters.
     */
    const last: LineOutcome = { value: undefined, ts: 0, raw: undefined, info: undefined };
    let lastHead: string | undefined;
    let lastSegment = '';
    let lastEvents: CounterSeries | undefined;
    let lastLevel: CounterSeries | undefined;
    /** Counts a line passed by (by {@link passBy}, or by `echo` from another sink's envelope); returns its component's counters. */
    const countPassed = (component: string, level: Level, ts: number): ReturnType<typeof counters> => {
      const c = countersOf(component);
      c.events.inc();
      c.levels[levelRankOf(level)]!.inc();
      lastTs.set(ts);
      this.accepted++;
      this.skipped++;
      return c;
    };
    const passBy = (text: string): boolean => {
      // A stream whose lines are mostly wanted would pay the scan for nothing (Shortcut).
      if (!skipPays.worth()) return false;
      // A line that opens as the last line passed by, but for its ts, has the same level, component
      // and event: they were checked, and the verdict is the same (skip is a function of them).
      if (lastHead !== undefined) {
        const tsText = sameEnvelope(text, lastHead, lastSegment);
        // The same parse as below (what it reads is 20 to 35 characters long, within ENVELOPE_CHECK's bounds).
        if (tsText !== undefined) {
          const ts = parseTimestampSeconds(tsText);
          if (ts === ts) {
            skipPays.took();
            lastEvents!.inc();
            lastLevel!.inc();
            lastTs.set(ts);
            this.accepted++;
            this.skipped++;
            return true;
          }
        }
      }
      const p = envelopePrefix(text);
      if (p === undefined || !LEVEL_SET.has(p.level) || !skip!(p.event, p.component, p.level as Level)) return false;
      if (!ENVELOPE_CHECK.Check(p)) return false;
      const ts = parseTimestampSeconds(p.ts);
      if (ts !== ts) return false;
      skipPays.took();
      const c = countPassed(p.component, p.level as Level, ts);
      if (p.tsStart <= 9) {
        // ts is the line's first key: the next line may open the same way.
        lastHead = text.slice(0, p.tsStart);
        lastSegment = text.slice(p.tsStart + p.ts.length, p.end);
        lastEvents = c.events;
        lastLevel = c.levels[levelRankOf(p.level as Level)]!;
      }
      return true;
    };
    /** The source's {@link EventInfo}s, made once each and shared (frozen) by every event: none is allocated per event. */
    const infos = new Map<LogFormat, (EventInfo | undefined)[]>();
    const infoOf = (format: LogFormat, known: boolean, mapped: boolean): EventInfo => {
      let byFlags = infos.get(format);
      if (byFlags === undefined) infos.set(format, (byFlags = [undefined, undefined, undefined, undefined]));
      const i = (known ? 2 : 0) + (mapped ? 1 : 0);
      return (byFlags[i] ??= Object.freeze({ format, known, mapped, source: kind }));
    };

    /** `line` and `detail` must be redacted already (parsed lines) or are redacted here as text (`asText`). */
    const reject = (reason: RejectReason | 'internal', detail: string, line: string, offset: number, length: number, asText = false): void => {
      if (asText) {
        line = redactor.text(line);
        detail = redactor.text(detail);
      }
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

    /** Whether lines may be in tickwatch's own format, where a line is its event (normalize returns it). */
    const ownFormat = format === 'auto' || format === 'tickwatch';
    /** The info of a valid line of a contract type in tickwatch's own format, shared. */
    const ownInfo = infoOf('tickwatch', true, false);
    /**
     * Where the line being accepted holds its `ts` as bytes (FlatJsonReader.timeFrom): set by `line`
     * for a line the flat reader read and redaction left alone, -1 otherwise. An event that is that
     * line's object takes its time from those bytes: the same text as its `ts`, without a string's reads.
     */
    let tsChunk: Uint8Array = Buffer.alloc(0);
    let tsFrom = -1;
    let tsTo = -1;
    let tsView: DataView<ArrayBufferLike> | undefined;
    /** `known` is the type of `v.event` when the caller looked it up (null: not in the contract), undefined when not. */
    const accept = (v: Record<string, unknown>, text: string, offset: number, length: number, known?: KnownType | null): boolean => {
      // In-process events have no line: the dead-letter record gets their JSON.
      const line = text || safeJson(v);
      let e: Record<string, unknown>;
      let check: TypeCheck<TObject> | undefined;
      let info: EventInfo;
      if (ownFormat && known != null && known.check.Check(v)) {
        // A valid line of a contract type, as tickwatch writes it: normalize would hand it back
        // unchanged (detectFormat says tickwatch, as ts and event are strings; its level is one of
        // ours and its component is set), so it is not called (issue 19: about 20 ns a line).
        e = v;
        check = known.check;
        info = ownInfo;
      } else {
        const n = normalize(v, format, defaults);
        if (!n.ok) {
          reject('envelope', n.detail, line, offset, length);
          return false;
        }
        e = n.event;
        const name = e.event;
        // A line of tickwatch's own format is its event (e === v): the type looked up for it is this event's.
        const type = known !== undefined && e === v ? known : typeof name === 'string' ? this.typeOf(name) : null;
        check = type === null ? undefined : type.check;
        if (check !== undefined) {
          if (!check.Check(e)) {
            const err = check.Errors(e).First();
            reject('schema', err ? `${err.path || '/'}: ${err.message}` : 'does not match the schema', line, offset, length);
            return false;
          }
        } else if (!ENVELOPE_CHECK.Check(e)) {
          const err = ENVELOPE_CHECK.Errors(e).First();
          reject('envelope', err ? `${err.path || '/'}: ${err.message}` : 'no valid envelope (ts, component, level, event)', line, offset, length);
          return false;
        }
        info = infoOf(n.format, check !== undefined, n.mapped);
      }
      const ts = e === v && tsFrom >= 0 ? parseTimestampBytes(tsChunk, tsFrom, tsTo, tsView) : parseTimestampSeconds(e.ts as string);
      if (ts !== ts) {
        reject(check ? 'schema' : 'envelope', '/ts: not a valid RFC 3339 date and time', line, offset, length);
        return false;
      }
      deliver(e as unknown as HftEvent, ts, text || undefined, offset, info);
      return true;
    };

    /** Counts an accepted event, keeps it in {@link last} and hands it to the consumers. */
    const deliver = (ev: HftEvent, ts: number, raw: string | undefined, offset: number, info: EventInfo): void => {
      const c = countersOf(ev.component);
      c.events.inc();
      c.levels[levelRankOf(ev.level)]!.inc();
      lastTs.set(ts);
      this.accepted++;
      last.value = ev;
      last.ts = ts;
      last.raw = raw;
      last.info = info;
      for (let i = 0; i < consumers.length; i++) {
        try {
          consumers[i]!(ev, ts, raw, info);
        } catch (err) {
          rejected.get('internal')!.inc();
          this.logReject('internal', `consumer failed: ${(err as Error).message}`, origin, offset);
        }
      }
    };

    const skipAny = this.opts.skip;
    const flat = this.flat;
    /** Whether the flat reader pays on this source (a Loguru source's nested lines never take it). */
    const flatPays = new Shortcut();
    const sink: SourceSink = {
      kind,
      origin,
      profile: `${format}\u0000${so.component ?? ''}\u0000${redactor.words.join('\u0000')}`,
      last,
      bytes: (n) => bytes.inc(n),
      echo: (text, offset, chunk, start, end, from) => {
        const ev = from.value;
        const info = from.info;
        if (ev !== undefined && info !== undefined && info.source === kind) {
          // Counted as passBy counts a line (its envelope comes from the other sink, which read the
          // line in this sink's profile), for any format: that sink has parsed it already.
          if (skipAny !== undefined && skipAny(ev.event, ev.component, ev.level)) {
            countPassed(ev.component, ev.level, from.ts);
            return;
          }
          // Accepted there, so accepted here, as the same event: the same format, defaults and
          // redaction words (the profile) make the same event of the line, and the same schemas
          // pass it. It is handed on without a second parse (issue 19).
          deliver(ev, from.ts, from.raw, offset, infoOf(info.format, info.known, info.mapped));
          return;
        }
        sink.line(text, offset, chunk, start, end);
      },
      line: (text, offset, chunk, start, end) => {
        last.value = undefined;
        if (chunk !== utf8Chunk) {
          utf8Chunk = chunk;
          utf8Valid = knownAscii(chunk) || isUtf8(chunk);
        }
        if (!utf8Valid && text.includes('\uFFFD') && !isUtf8(chunk.subarray(start, end))) {
          reject('encoding', 'the line is not valid UTF-8', text, offset, end - start, true);
          return;
        }
        if (skip !== undefined && passBy(text)) return;
        let v: unknown = flatPays.worth() ? flat.read(text, chunk, start, end) : undefined;
        tsFrom = -1;
        if (v !== undefined) {
          flatPays.took();
          tsChunk = chunk;
          tsFrom = flat.timeFrom;
          tsTo = flat.timeTo;
          tsView = flat.lastView;
        } else {
          try {
            v = JSON.parse(text);
          } catch (err) {
            reject('invalid_json', (err as Error).message, text, offset, end - start, true);
            return;
          }
        }
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          reject('invalid_json', 'a line must be one JSON object', text, offset, end - start, true);
          return;
        }
        // Secrets out before anything else sees the line (redact.ts): a walk of its keys, unless
        // the line has only its event type's declared keys and no value that could hold a secret.
        const name = (v as Record<string, unknown>).event;
        const known = typeof name === 'string' ? this.typeOf(name) : null;
        if ((known === null || known.clean === null || !known.clean(v as Record<string, unknown>)) && redactor.object(v) > 0) {
          text = JSON.stringify(v);
          tsFrom = -1; // the event is no longer the line as read
        }
        accept(v as Record<string, unknown>, text, offset, end - start, known);
      },
      oversize: (prefix, length, offset) => {
        reject('too_large', `line of ${length} bytes is over the limit of ${prefix.length} bytes; the first ${prefix.length} bytes are kept`, prefix.toString('utf8'), offset, length, true);
      },
      object: (v) => {
        tsFrom = -1;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          reject('invalid_json', 'an event must be an object', safeJson(v), 0, 0, true);
          return false;
        }
        // The caller's object is not changed: a copy is redacted when it holds anything to redact.
        const json = safeJson(v);
        if (redactor.mayHold(json)) {
          let copy: Record<string, unknown> | undefined;
          try {
            copy = JSON.parse(json) as Record<string, unknown>;
          } catch {
            copy = undefined; // not JSON-able (a BigInt, a cycle): accept() dead-letters or takes it as it is
          }
          if (copy !== undefined && redactor.object(copy) > 0) return accept(copy, '', 0, 0);
        }
        return accept(v as Record<string, unknown>, '', 0, 0);
      },
    };
    return sink;
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
