/**
 * The thread that serves `/metrics`. It owns the fastify server, rebuilds the registry layout from
 * messages and renders from shared memory, so a scrape never runs on the recording thread.
 *
 * Endpoints: `GET /metrics` (OpenMetrics when the Accept header asks for
 * `application/openmetrics-text`, Prometheus text 0.0.4 otherwise), `GET /-/healthy` (200 while the
 * worker runs), `GET /-/ready` (503 until the owner marks the service ready, then 200). With a web
 * configuration (`WorkerConfig.web`) every one of them is behind its TLS and basic authentication
 * (the health endpoints only when it does not leave them open).
 */
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { processCollectors } from './process.js';
import type { LayoutMessage } from './protocol.js';
import { SeriesView, type CollectorSet } from './view.js';
import { createWebApp, type WebAccess, type WebRefusal } from './web/server.js';

/** What the owning thread passes in `workerData`. */
export interface WorkerConfig {
  readonly host: string;
  readonly port: number;
  /** Int32Array over this: [0] = ready flag (1 ready, 0 not). */
  readonly control: SharedArrayBuffer;
  /** Service name, shown on the index page. */
  readonly service: string;
  /**
   * Modules (file URLs) whose `createCollectorSets(options)` returns the {@link CollectorSet}s this
   * worker reads at scrape time (the host exporter's /proc readers, the ClickHouse exporter's queries).
   */
  readonly collectorModules?: readonly { readonly url: string; readonly options?: unknown }[];
  /**
   * Serve OpenMetrics when the Accept header asks for it (default true). False: always Prometheus
   * text 0.0.4, for exporters that stand in for an endpoint that serves only that, under names
   * OpenMetrics would change (it gives every counter sample a `_total` suffix: ClickHouse's
   * `ClickHouseProfileEvents_*` counters have none, and Prometheus asks for OpenMetrics first).
   */
  readonly openMetrics?: boolean;
  /** Nice value of this thread (default 10: below the recording thread). */
  readonly nice?: number;
  /**
   * The web configuration (`--web.config.file`: TLS, basic authentication, headers; web/server.ts),
   * applied by this thread to every request; refusals go to the owner as `refusal` messages.
   * Absent: plain HTTP, no authentication.
   */
  readonly web?: WebAccess;
}

/** What a collector module exports. */
export interface CollectorModule {
  createCollectorSets(options: unknown): readonly CollectorSet[] | Promise<readonly CollectorSet[]>;
}

/** Messages the worker sends to its owner. */
export type WorkerReply = { t: 'listening'; port: number } | { t: 'error'; message: string } | { t: 'problem'; message: string } | { t: 'refusal'; refusal: WebRefusal };

const cfg = workerData as WorkerConfig;

// The recording thread comes first: on Linux a thread's nice value is its own, so raising this
// thread's lets the scheduler prefer the recording thread when cores are contended. Best effort.
try {
  setPriority(0, cfg.nice ?? 10);
} catch {
  // Not permitted or not supported here: the worker runs at normal priority.
}
// Named after its service (`metrics:hft`, at most 15 bytes, the kernel's limit), so `top -H`, `ps -L`
// and the overhead bench (scripts/bench/overhead.ts) tell each service's /metrics thread from the
// process's other threads, which Node 20 all names `node`. Linux only; best effort.
try {
  writeFileSync('/proc/thread-self/comm', `metrics:${cfg.service.replace(/^tickwatch-/, '')}`.slice(0, 15));
} catch {
  // Not Linux, or /proc not mounted: the thread keeps its name.
}
const control = new Int32Array(cfg.control);
const view = new SeriesView();
for (const c of processCollectors(view)) view.addCollector(c);

const port = parentPort!;
port.on('message', (m: LayoutMessage | LayoutMessage[]) => {
  for (const x of Array.isArray(m) ? m : [m]) {
    try {
      view.apply(x);
    } catch (err) {
      view.problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  // Problems go to the owner, which logs them; the worker keeps serving.
  for (const p of view.problems.splice(0)) port.postMessage({ t: 'problem', message: p } satisfies WorkerReply);
});

const app = createWebApp({
  service: cfg.service,
  web: cfg.web,
  onRefusal: (refusal) => port.postMessage({ t: 'refusal', refusal } satisfies WorkerReply),
  onProblem: (message) => port.postMessage({ t: 'problem', message } satisfies WorkerReply),
});
app.get('/metrics', async (req, reply) => {
  const accept = req.headers.accept ?? '';
  const { body, contentType } = await view.render(cfg.openMetrics !== false && accept.includes('application/openmetrics-text'));
  return reply.header('content-type', contentType).send(body);
});
app.get('/-/healthy', async (_req, reply) => reply.type('text/plain').send('OK\n'));
app.get('/-/ready', async (_req, reply) => {
  const ready = Atomics.load(control, 0) === 1;
  return reply
    .code(ready ? 200 : 503)
    .type('text/plain')
    .send(ready ? 'Ready\n' : 'Not ready\n');
});
app.get('/', async (_req, reply) =>
  reply.type('text/html').send(`<html><head><title>${cfg.service}</title></head><body><h1>${cfg.service}</h1><p><a href="/metrics">/metrics</a> · <a href="/-/healthy">/-/healthy</a> · <a href="/-/ready">/-/ready</a></p></body></html>`),
);

async function loadCollectors(): Promise<void> {
  for (const m of cfg.collectorModules ?? []) {
    const mod = (await import(m.url)) as CollectorModule;
    for (const set of await mod.createCollectorSets(m.options)) view.addCollectorSet(set);
  }
}

app.addHook('onResponse', async () => {
  for (const p of view.problems.splice(0)) port.postMessage({ t: 'problem', message: p } satisfies WorkerReply);
});

loadCollectors()
  .then(() => app.listen({ host: cfg.host, port: cfg.port }))
  .then(() => {
    const addr = app.server.address();
    const bound = typeof addr === 'object' && addr ? addr.port : cfg.port;
    port.postMessage({ t: 'listening', port: bound } satisfies WorkerReply);
  })
  .catch((err: unknown) => {
    port.postMessage({ t: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  });

port.on('close', () => void app.close());
