/**
 * The floor plan, enforced (`npm run check:layers`, part of `npm test`): each room imports only the
 * rooms below it, and nothing imports in a circle. Read top to bottom, an import only points down:
 *
 *   exporters/catalog  (metrics, enums, the job and port plan)      exporters/lib  (logging, CLI helpers, paths)
 *   exporters/instrument  (shared-memory series, /metrics worker, the collector harness)
 *   exporters/events  (the event contract)
 *   exporters/ingest  (file tail, TCP, line splitting, timestamps, dead letters, the pipeline)
 *   exporters/hft | host | clickhouse | recorder  (the services: none imports another)
 *   exporters/start.ts  (the one composition root)
 *   exporters/cli.ts  (the tickwatch command)
 *
 *   query/  (PromQL builder, recording rules, panel ids, links) on the catalog
 *   alert-rules/  on query/ and the catalog;  dashboards-src/  on alert-rules/, query/ and the catalog
 *   prometheus/  on the catalog;  alertmanager/  on alert-rules/ and the catalog
 *   scripts/, test/: anything
 *
 * Two documented exceptions read `alert-rules/thresholds.ts` (a leaf that imports nothing): the
 * simulator's fault scenarios, so that each fault crosses exactly the threshold its alert watches,
 * and the host exporter's clock synchronisation log (exporters/host/clock-sync.ts), so that the log
 * records a breach at exactly the offset bound its alert watches.
 *
 * A dependency that matches none of the `allowed` rules fails the check, naming both files.
 */
const ROOMS_BELOW_SERVICES = '(ingest|events|instrument|catalog|lib)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the rooms of the floor plan must form a tree of layers.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'thresholds-is-a-leaf',
      severity: 'error',
      comment: 'alert-rules/thresholds.ts holds figures only; the simulator and the clock synchronisation log read it, so it may import nothing.',
      from: { path: '^alert-rules/thresholds\\.ts$' },
      to: { path: '^(exporters|alert-rules|query|dashboards-src|prometheus|alertmanager|scripts|test)/' },
    },
  ],
  allowed: [
    { comment: 'Node.js built-ins and packages', from: {}, to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg'] } },
    { comment: 'the catalog: on itself only', from: { path: '^exporters/catalog/' }, to: { path: '^exporters/catalog/' } },
    { comment: 'shared helpers: on themselves only', from: { path: '^exporters/lib/' }, to: { path: '^exporters/lib/' } },
    { comment: 'the instrumentation core', from: { path: '^exporters/instrument/' }, to: { path: '^exporters/(instrument|catalog|lib)/' } },
    { comment: 'the event contract', from: { path: '^exporters/events/' }, to: { path: '^exporters/(events|catalog|lib)/' } },
    { comment: 'ingest', from: { path: '^exporters/ingest/' }, to: { path: '^exporters/(ingest|events|instrument|catalog|lib)/' } },
    { comment: 'a service: on itself', from: { path: '^exporters/(hft|host|clickhouse|recorder)/' }, to: { path: '^exporters/$1/' } },
    { comment: 'a service: on the rooms below the services', from: { path: '^exporters/(hft|host|clickhouse|recorder)/' }, to: { path: `^exporters/${ROOMS_BELOW_SERVICES}/` } },
    { comment: "the simulator's scenarios: the thresholds they cross", from: { path: '^exporters/hft/simulator/' }, to: { path: '^alert-rules/thresholds\\.ts$' } },
    { comment: "the host exporter's clock synchronisation log: the offset bounds its alerts watch", from: { path: '^exporters/host/clock-sync\\.ts$' }, to: { path: '^alert-rules/thresholds\\.ts$' } },
    { comment: 'the composition root: the services and what is below them', from: { path: '^exporters/start\\.ts$' }, to: { path: `^exporters/((hft|host|clickhouse|recorder)|${ROOMS_BELOW_SERVICES})/` } },
    { comment: 'the command: everything in exporters/', from: { path: '^exporters/cli\\.ts$' }, to: { path: '^exporters/' } },
    { comment: 'query: on itself and the catalog', from: { path: '^query/' }, to: { path: '^(query/|exporters/catalog/)' } },
    { comment: 'alert rules: on query/ and the catalog', from: { path: '^alert-rules/' }, to: { path: '^(alert-rules/|query/|exporters/catalog/)' } },
    { comment: 'dashboards: on alert rules, query/ and the catalog', from: { path: '^dashboards-src/' }, to: { path: '^(dashboards-src/|alert-rules/|query/|exporters/catalog/)' } },
    { comment: 'Prometheus config: on the catalog', from: { path: '^prometheus/' }, to: { path: '^(prometheus/|exporters/catalog/)' } },
    { comment: 'Alertmanager config: on alert rules and the catalog', from: { path: '^alertmanager/' }, to: { path: '^(alertmanager/|alert-rules/|exporters/catalog/)' } },
    { comment: 'scripts and tests: anything', from: { path: '^(scripts|test)/' }, to: {} },
    { comment: 'tool configuration at the root', from: { path: '^[^/]+\\.(ts|cjs|mjs|js)$' }, to: {} },
  ],
  allowedSeverity: 'error',
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'types', 'default'], mainFields: ['module', 'main', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
