/**
 * How an event type is declared: a TypeBox schema (which gives the TypeScript type, the JSON
 * Schema for other languages, and a compiled runtime validator), a description and an example
 * line for `docs/events.md`.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { COMPONENTS, LEVEL_RANK, LOG_LEVELS, type LogLevel } from '../catalog/enums.js';

/** Log levels an event may carry, in increasing severity (the catalog's closed `level` label set). */
export const LEVELS = LOG_LEVELS;
export type Level = LogLevel;
export { LEVEL_RANK };

/**
 * RFC 3339 timestamp with 0 to 9 fractional digits and a `Z` or `±hh:mm` offset
 * (`2026-11-23T09:00:00.123456789+08:00`).
 */
export const RFC3339_PATTERN = '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

/** A union of string literals from a readonly list. */
export function oneOf<const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  // Unsafe keeps the Union schema (and its Kind) for the validator while typing the value as the literal union.
  return Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {}));
}

/** Fields every event carries (the engine's structured-log envelope). */
export const COMMON = {
  ts: Type.String({ pattern: RFC3339_PATTERN, description: 'When the event happened, RFC 3339 with up to nanosecond precision.' }),
  component: oneOf(COMPONENTS, 'Engine component that emitted the event.'),
  level: oneOf(LEVELS, 'Log level.'),
  correlation_id: Type.Optional(Type.String({ maxLength: 128, description: 'Ties together every event of one trade or operation.' })),
  intent_id: Type.Optional(Type.String({ maxLength: 128, description: 'The strategy intent this event belongs to.' })),
  trace_id: Type.Optional(Type.String({ maxLength: 128, description: 'Distributed trace id.' })),
  message: Type.Optional(Type.String({ maxLength: 4096, description: 'Human-readable message.' })),
};

/** A non-negative number. */
export const NonNeg = (description: string) => Type.Number({ minimum: 0, description });
/** A latency in nanoseconds. */
export const Nanos = (description: string) => Type.Number({ minimum: 0, description: `${description} In nanoseconds.` });
/** A short identifier used as a label value (strategy, gateway, feed). */
export const Name = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });

/** One event type of the contract. */
export interface EventType<N extends string = string, S extends TSchema = TObject> {
  readonly name: N;
  readonly description: string;
  readonly schema: S;
  /** An example line (without `ts`, `level`, which the docs fill in). */
  readonly example: Readonly<Record<string, unknown>>;
}

/**
 * Declares one event type: the envelope fields plus `event: name` plus `props`. Unknown extra
 * fields are allowed (engines add fields before we know them); missing or mistyped known fields are not.
 */
export function defineEvent<const N extends string, P extends TProperties>(name: N, description: string, props: P, example: Readonly<Record<string, unknown>>) {
  const schema = Type.Object({ ...COMMON, event: Type.Literal(name), ...props }, { additionalProperties: true, $id: name });
  return { name, description, schema, example: { ...example, event: name } };
}

/** The static type of an event type's payload. */
export type EventOf<E> = E extends EventType<string, infer S extends TSchema> ? Static<S> : never;

/** A name written by the engine (a component or an event type): printable, no control characters. */
const PRINTABLE = '^[^\\u0000-\\u001f\\u007f]+$';

/**
 * The envelope of every log line (an event type of the contract or not): `ts`, `component`,
 * `level` and `event` are required, the ids and `message` optional, anything else is the line's own
 * fields. A line of a known type is checked against its type's schema instead (stricter: a closed
 * component set, typed fields). Components and event names outside the contract are accepted here
 * and never become label values.
 */
export const LOG_ENVELOPE = Type.Object(
  {
    ts: Type.String({ minLength: 20, maxLength: 40, description: 'When the event happened, RFC 3339 with up to nanosecond precision.' }),
    component: Type.String({ minLength: 1, maxLength: 64, pattern: PRINTABLE, description: 'The engine module that wrote the line.' }),
    level: oneOf(LEVELS, 'Log level.'),
    event: Type.String({ minLength: 1, maxLength: 128, pattern: PRINTABLE, description: 'Event type: one of the contract, or any name (a generic log record).' }),
    correlation_id: Type.Optional(Type.String({ maxLength: 128 })),
    intent_id: Type.Optional(Type.String({ maxLength: 128 })),
    trace_id: Type.Optional(Type.String({ maxLength: 128 })),
    message: Type.Optional(Type.String({ description: 'Human-readable message (bounded by the longest accepted line).' })),
  },
  { additionalProperties: true, $id: 'log' },
);
