/** The instrumentation core: shared-memory series, the `/metrics` worker, process metrics. */
export { MetricRegistry, Family, OTHER, type RegistryOptions } from './registry.js';
export { CounterSeries, GaugeSeries, HistogramSeries } from './series.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './server.js';
export { SeriesView, type Collector } from './view.js';
export { sampleRecordingThread, processCollectors } from './process.js';
