/**
 * Handler tables by event name: one small function an event type, found in a `Map` by the event's
 * name, for the hot paths that act on every event (the HFT exporter's derivation,
 * exporters/hft/derive.ts; the recorder's rows, exporters/recorder/rows.ts). One `switch` over every
 * type, as both were, had V8 throw the whole function's optimized code away whenever a type came
 * for the first time after it was optimized (issue 19: 10 deoptimizations of the derivation in
 * 100 s at 15,000 lines/s; the rows' function unoptimized at rest after one); a handler seen late is
 * compiled alone.
 */
import type { EventName, HftEvent } from './index.js';

/** The event type of a name. */
export type EventNamed<K extends EventName> = Extract<HftEvent, { event: K }>;

/**
 * A handler table: for each of `Names` that has one, a function of that event (first, typed by its
 * name, so a misspelt name or a wrong field fails `tsc`) and of the arguments `A`.
 */
export type HandlerTable<A extends unknown[], Names extends EventName = EventName> = { readonly [E in Names]?: (ev: EventNamed<E>, ...args: A) => void };

/**
 * One handler for several event types: an entry a name, sharing the function, to spread into a
 * {@link HandlerTable} (the handler sees the union of their types).
 */
export function forEvents<const K extends EventName, A extends unknown[]>(names: readonly K[], handler: (ev: EventNamed<K>, ...args: A) => void): { readonly [E in K]: (ev: EventNamed<E>, ...args: A) => void } {
  return Object.fromEntries(names.map((n) => [n, handler])) as unknown as { readonly [E in K]: (ev: EventNamed<E>, ...args: A) => void };
}

/** A {@link HandlerTable} as a `Map` by event name: the dispatch is `map.get(ev.event)?.(ev, ...args)`. */
export function handlersByName<A extends unknown[]>(table: HandlerTable<A, EventName>): ReadonlyMap<string, (ev: HftEvent, ...args: A) => void> {
  return new Map(Object.entries(table) as [string, (ev: HftEvent, ...args: A) => void][]);
}
