/** The V8 flags every tickwatch process sets before any service starts, each with its figures in v8-flags.mjs. */
export declare const V8_FLAGS: readonly string[];
/** Sets {@link V8_FLAGS} in this process (and so in every worker thread it starts). */
export declare function setV8Flags(): void;
