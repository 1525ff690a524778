/** `dist/exporters/cli.js`, the compiled entry point of the `tickwatch` command. */
export declare const COMPILED_CLI: URL;
/**
 * Whether `scripts/tickwatch.mjs` runs dist/: present, with a build stamp newer than every
 * TypeScript source of exporters/ and alert-rules/, and TICKWATCH_FROM_SOURCE is not 1.
 */
export declare function compiledIsFresh(): boolean;
