/** Child of the ingest benchmark: runs one mode over a file and prints its peak RSS (KiB). */
import { fullPath, parseOnly } from './ingest.js';

const [mode, path, dir] = process.argv.slice(2) as ['full' | 'parse', string, string];
const n = mode === 'full' ? fullPath(path, dir, 99).accepted : parseOnly(path);
process.stdout.write(JSON.stringify({ mode, events: n, maxRssKiB: process.resourceUsage().maxRSS }));
