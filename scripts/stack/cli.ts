/**
 * `npm run stack` and `npm run drill -- <scenario...|all>`.
 *
 * stack: the exporters fed by the simulator, Prometheus, Alertmanager and the receiver stand-ins on
 * 127.0.0.1 at the catalog's port plan (`exporters/catalog/jobs.ts`: Prometheus :9090, Alertmanager
 * :9093, HFT exporter :9470, host exporter :9471, audit recorder :9473, stand-ins :9480 HTTP and
 * :9481 SMTP), printing every notification that arrives; `--ha` runs three Alertmanagers in a
 * cluster instead of one (web :9093, :9095, :9097; gossip :9094, :9096, :9098), all sent every alert;
 * `--secure` runs every server of the stack under one web configuration (TLS and basic auth, made
 * into the stack's folder: access.ts); Ctrl-C stops everything.
 * drill: the same stack on fault scenarios with fast timings; prints the drill table and exits 1
 * when a notification is missing, extra, misrouted or not resolved.
 */
import { Command, Option } from 'commander';
import { ALERTMANAGER_CLUSTER, PORTS } from '../../exporters/catalog/jobs.js';
import { SCENARIOS, scenarioByName } from '../../exporters/hft/simulator/scenarios/index.js';
import { formatDrillTable, runDrills } from './drill.js';
import type { Arrival } from './receivers.js';
import { startStack } from './stack.js';

const print = (a: Arrival) =>
  console.log(`${new Date(a.at).toISOString()}  ${a.channel.padEnd(8)} ${a.status.toUpperCase().padEnd(8)} ${a.alertname} (${a.instance})${a.authorized ? '' : '  [secret did not match]'}`);

const program = new Command('stack');
program
  .command('stack')
  .description('Run the local stack on the normal session (or --scenario) until Ctrl-C.')
  .addOption(new Option('--scenario <name>', 'simulator scenario').choices(SCENARIOS.map((s) => s.name)).default('normal'))
  .option('--speed <x>', 'simulated seconds per wall second', Number, 1)
  .option('--ports-offset <n>', 'add n to every default port (to run beside another stack)', Number, 0)
  .option('--ha', 'three Alertmanagers gossiping on loopback (exporters/catalog/jobs.ts ALERTMANAGER_CLUSTER) instead of one', false)
  .option('--secure', 'TLS and basic auth on every tickwatch server, Prometheus and Alertmanager (a CA, a certificate and users made into the stack folder; --web.config.file)', false)
  .action(async (o: { scenario: string; speed: number; portsOffset: number; ha: boolean; secure: boolean }) => {
    const off = o.portsOffset;
    const stack = await startStack({
      scenarios: [scenarioByName(o.scenario)],
      speed: o.speed,
      duration: 0,
      ports: {
        prometheus: PORTS.prometheus + off,
        alertmanager: PORTS.alertmanager + off,
        hft: PORTS.hft + off,
        host: PORTS.host + off,
        recorder: PORTS.recorder + off,
        recorderQuery: PORTS.recorderQuery + off,
        receiversHttp: PORTS.receiversHttp + off,
        receiversSmtp: PORTS.receiversSmtp + off,
      },
      allServices: true,
      ...(o.ha ? { alertmanagers: ALERTMANAGER_CLUSTER.map((m) => ({ web: m.web + off, cluster: m.cluster + off })) } : {}),
      onArrival: print,
      log: (l) => console.log(`stack: ${l}`),
      secure: o.secure,
    });
    console.log(`\nstack running (data in ${stack.dir}):
  Prometheus    ${stack.prometheusUrl}   (alerts: ${stack.prometheusUrl}/alerts)
  Alertmanager  ${stack.alertmanagers.map((a) => a.url + (a.clusterAddress ? ` (gossip ${a.clusterAddress})` : '')).join(', ')}
  HFT exporter  ${stack.targets[0]!.exporter.metrics.url}/metrics   (host exporter and audit recorder: see above)
  stand-ins     http://127.0.0.1:${stack.receivers.httpPort} (Slack, PagerDuty, Telegram, SNS SMS, dead man's switch), SMTP 127.0.0.1:${stack.receivers.smtpPort}
Notifications print below as they arrive. Ctrl-C stops everything.\n`);
    if (stack.access)
      console.log(`Access control on: every URL above but the stand-ins' wants TLS and basic auth (web config ${stack.access.webConfigFile}), e.g.
  curl --cacert ${stack.access.caFile} -u operator:$(cat ${stack.access.users.operator.passwordFile}) ${stack.prometheusUrl}/api/v1/targets
Users: ${Object.entries(stack.access.users).map(([u, x]) => `${u} (${x.passwordFile})`).join(', ')}\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      console.log('\nstack: stopping...');
      void stack.stop().then(() => {
        console.log('stack: stopped; no process left, ports free');
        process.exit(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

program
  .command('drill')
  .description('Run failure drills and print the table (scenario, alert, receivers, time to notify against its bounds, time to resolve).')
  .argument('<scenarios...>', `scenario names or 'all': ${SCENARIOS.map((s) => s.name).join(', ')}`)
  .option('--speed <x>', 'simulated seconds per wall second', Number, 2)
  .action(async (names: string[], o: { speed: number }) => {
    const chosen = names.includes('all') ? SCENARIOS : names.map(scenarioByName);
    console.log(`drill: ${chosen.map((s) => s.name).join(', ')} at ${o.speed}x; this takes a few minutes (rule windows are real time)`);
    const r = await runDrills(chosen, { speed: o.speed, log: (l) => console.log(`drill: ${l}`) });
    console.log(`\n${formatDrillTable(r)}`);
    process.exitCode = r.problems.length ? 1 : 0;
  });

await program.parseAsync(process.argv);
