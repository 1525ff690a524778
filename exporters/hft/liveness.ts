/**
 * Is the engine still talking? Tracks the newest event and the newest `engine.heartbeat` on the
 * exporter's clock and decides `hft_engine_up`:
 *
 * - silent when no event has arrived for `silentAfter` seconds while the trading session is open
 *   (a quiet market outside the session is not silence);
 * - silent at any hour when the engine has sent heartbeats and the newest is older than
 *   `heartbeatTimeout` seconds (an engine that heartbeats is expected to keep doing so).
 *
 * Before the first event, silence counts from the exporter's start. The exporter hides the gauges
 * that hold the engine's last reported values while it is silent (see `freshness` in the catalog).
 */
import { engineHeartbeatAgeSeconds, engineHeartbeatsTotal, engineSilenceSeconds, engineUp, ENGINE_HEARTBEAT_TIMEOUT_SECONDS, ENGINE_SILENT_AFTER_SECONDS } from '../catalog/engine.js';
import type { GaugeSeries, CounterSeries } from '../instrument/series.js';
import type { MetricRegistry } from '../instrument/registry.js';

/** Options of {@link EngineLiveness}. */
export interface LivenessOptions {
  readonly registry: MetricRegistry;
  /** Seconds without any event, while the session is open, after which the engine is silent (default 10). */
  readonly silentAfter?: number;
  /** Heartbeat age in seconds after which the engine is silent at any hour (default 5). */
  readonly heartbeatTimeout?: number;
  /** Unix seconds the tracking starts at (silence counts from here until the first event). */
  readonly start: number;
}

/** The engine's liveness. One per exporter. */
export class EngineLiveness {
  private lastEvent: number;
  private lastHeartbeat: number | undefined;
  private up = true;
  private readonly silentAfter: number;
  private readonly heartbeatTimeout: number;
  private readonly g: { up: GaugeSeries; silence: GaugeSeries; heartbeats: CounterSeries; heartbeatAge: GaugeSeries | undefined };

  /** @throws RangeError when a limit is not a positive number of seconds */
  constructor(private readonly o: LivenessOptions) {
    this.silentAfter = o.silentAfter ?? ENGINE_SILENT_AFTER_SECONDS;
    this.heartbeatTimeout = o.heartbeatTimeout ?? ENGINE_HEARTBEAT_TIMEOUT_SECONDS;
    if (!(this.silentAfter > 0) || !(this.heartbeatTimeout > 0)) throw new RangeError('engine silence limits are positive numbers of seconds');
    this.lastEvent = o.start;
    const r = o.registry;
    this.g = { up: r.gauge(engineUp).series(), silence: r.gauge(engineSilenceSeconds).series(), heartbeats: r.counter(engineHeartbeatsTotal).series(), heartbeatAge: undefined };
    this.g.up.set(1);
  }

  /** Notes an event at `t` (Unix seconds, its own timestamp); `heartbeat` for `engine.heartbeat`. */
  observe(t: number, heartbeat: boolean): void {
    if (t > this.lastEvent) this.lastEvent = t;
    if (heartbeat) {
      this.g.heartbeats.inc();
      if (this.lastHeartbeat === undefined || t > this.lastHeartbeat) this.lastHeartbeat = t;
    }
  }

  /**
   * Updates the gauges at `now` (Unix seconds, the exporter's clock).
   * @param sessionOpen - whether the trading session is open now
   * @param decided - called with the verdict before `hft_engine_up` changes: the exporter marks the
   *   engine's gauges stale there (a flag in shared memory, registry.ts `setStale`), so a scrape
   *   never shows the engine down beside its last reported values (the `/metrics` worker reads the
   *   values again when a flag changed while it read them: view.ts `render`)
   * @returns whether the engine is up
   */
  tick(now: number, sessionOpen: boolean, decided?: (up: boolean) => void): boolean {
    const silence = Math.max(0, now - this.lastEvent);
    this.g.silence.set(silence);
    let up = !(sessionOpen && silence > this.silentAfter);
    if (this.lastHeartbeat !== undefined) {
      const age = Math.max(0, now - this.lastHeartbeat);
      (this.g.heartbeatAge ??= this.o.registry.gauge(engineHeartbeatAgeSeconds).series()).set(age);
      if (age > this.heartbeatTimeout) up = false;
    }
    this.up = up;
    decided?.(up);
    this.g.up.set(up ? 1 : 0);
    return up;
  }

  /** Whether the engine was up at the last {@link tick}. */
  get isUp(): boolean {
    return this.up;
  }
}
