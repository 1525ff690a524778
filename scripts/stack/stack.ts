/**
 * The local stack: HFT exporters fed by the simulator (one per scenario), a real Prometheus
 * evaluating the generated rules, a real Alertmanager with the generated routing (pointed at local
 * receiver stand-ins, secrets in files), all on 127.0.0.1 with data under one temp folder.
 * `npm run stack` runs it on the normal session; the drills run it on fault scenarios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { alertmanagerConfig, DRILL_TIMINGS, type Timings } from '../../alertmanager/config.js';
import { ALWAYS_OPEN_CALENDAR } from '../../exporters/hft/calendar.js';
import type { HftExporter } from '../../exporters/hft/exporter.js';
import { defaultDuration, runScenario } from '../../exporters/hft/simulator/run.js';
import type { Scenario } from '../../exporters/hft/simulator/scenarios/index.js';
import { FileSink } from '../../exporters/hft/simulator/sinks.js';
import { createLogging, parseLogLevels } from '../../exporters/lib/log.js';
import { JOBS, RECORDER_ALERT_WEBHOOK_PATH } from '../../exporters/catalog/jobs.js';
import { repoPath } from '../../exporters/lib/paths.js';
import { startTickwatch, type RunningTarget, type Tickwatch } from '../../exporters/start.js';
import { prometheusConfig, retentionFlags, type ScrapeJob } from '../../prometheus/config.js';
import { freePort, waitForHttp } from '../lib/net.js';
import { startReceivers, type Arrival, type Channel, type Receivers, type StandInSecrets } from './receivers.js';
import { accessProbe, makeStackAccess, secureGet, type StackAccess } from './access.js';


/** Fixed ports for `npm run stack` (0 everywhere picks free ports, as the drills do). */
export interface StackPorts {
  readonly prometheus: number;
  readonly alertmanager: number;
  /** First HFT exporter; more scenarios take 0 (free ports). */
  readonly hft: number;
  readonly receiversHttp: number;
  readonly receiversSmtp: number;
  readonly host: number;
  readonly recorder: number;
  /** The audit recorder's query API, where Alertmanager posts the alert history. */
  readonly recorderQuery: number;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  readonly scenarios: readonly Scenario[];
  /** Simulated seconds per wall second. */
  readonly speed: number;
  /** Simulated seconds of every stream (default: the longest scenario's own duration; 0 = until stopped). */
  readonly duration?: number;
  readonly ports?: Partial<StackPorts>;
  readonly timings?: Timings;
  /** Make a receiver fail its first N requests. */
  readonly failFirst?: Partial<Record<Exclude<Channel, 'email'>, number>>;
  readonly onArrival?: (a: Arrival) => void;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  readonly seed?: number;
  /**
   * Also run the host exporter, and scrape the audit recorder (on the first scenario's stream), as
   * Prometheus does the HFT exporter. `npm run stack` does; the drills do not, so that a busy CI
   * machine cannot raise host alerts in the middle of a routing drill. The recorder itself runs
   * either way: it keeps the alert history Alertmanager sends it ({@link Stack.historyUrl}).
   */
  readonly allServices?: boolean;
  /**
   * Run an Alertmanager cluster instead of one Alertmanager (`npm run stack -- --ha`, the HA
   * drill): a number of members on free ports, or their ports (`ALERTMANAGER_CLUSTER`,
   * exporters/catalog/jobs.ts); Prometheus sends every alert to every member. Default: one, alone.
   */
  readonly alertmanagers?: AlertmanagerMembers;
  /**
   * Access control on (`npm run stack -- --secure`, issue 16): a CA, a server certificate and
   * bcrypt-hashed users made into the stack's folder (access.ts); every tickwatch HTTP server,
   * Prometheus and Alertmanager run with the one web configuration (`--web.config.file`: TLS and
   * basic auth on every path, health included), Prometheus scrapes and alerts with `basic_auth`
   * (`password_file`) and `tls_config` (`ca_file`), and Alertmanager posts the alert history to the
   * recorder with its own. The receiver stand-ins stay as they are (they play outside services).
   * Default off: plain HTTP.
   */
  readonly secure?: boolean;
}

/** How many Alertmanagers to run (free ports), or each one's web and cluster ports. */
export type AlertmanagerMembers = number | readonly { readonly web: number; readonly cluster: number }[];

/** One running Alertmanager of the stack. */
export interface AlertmanagerNode {
  /** `http://127.0.0.1:<web port>`. */
  readonly url: string;
  /** `127.0.0.1:<web port>`, as Prometheus is given it. */
  readonly address: string;
  /** Its cluster (memberlist) address, `127.0.0.1:<port>`; undefined when it runs alone. */
  readonly clusterAddress: string | undefined;
  /** Its data directory (`--storage.path`: notification log and silences). */
  readonly dataDir: string;
  /** The process (the HA drill kills one). */
  readonly child: ChildProcess;
}

/** A running stack. */
export interface Stack {
  readonly dir: string;
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  /** Every Alertmanager (one unless {@link StackOptions.alertmanagers} asked for a cluster; the first is {@link alertmanagerUrl}). */
  readonly alertmanagers: readonly AlertmanagerNode[];
  /** The audit recorder's query API, which keeps the alert history (`GET <url>/api/v1/alerts`). */
  readonly historyUrl: string;
  readonly receivers: Receivers;
  /** Per scenario: its exporter and its `instance` label. */
  readonly targets: readonly { readonly scenario: Scenario; readonly exporter: HftExporter; readonly instance: string }[];
  /** Wall time (ms) at which the simulated streams started. */
  readonly startedAt: number;
  /** Resolves when every simulated stream has ended. */
  readonly streams: Promise<void>;
  /** Stops the streams, exporters, Prometheus, Alertmanager and stand-ins, and removes the data folder. */
  stop(): Promise<void>;
  /** With {@link StackOptions.secure}: the CA, web configuration and users' passwords (URLs above are then `https://`). */
  readonly access?: StackAccess;
}

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string } {
  let buf = '';
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  const keep = (d: Buffer) => {
    buf += d.toString();
    if (buf.length > 200_000) buf = buf.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, out: () => buf };
}

/**
 * Stops a child process and resolves once it has exited: SIGTERM, then SIGKILL after 5 s. Callers
 * remove a child's data directory only after this resolves, since Alertmanager and Prometheus
 * write their snapshots (nflog, silences, WAL) while shutting down.
 */
export async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Alertmanager with the generated routing and the receiver stand-ins, secrets in files under `dir`. */
export interface Alerting {
  readonly receivers: Receivers;
  readonly port: number;
  readonly url: string;
  /** Every Alertmanager; the first is {@link port}/{@link url}. */
  readonly nodes: readonly AlertmanagerNode[];
}

/**
 * Starts the receiver stand-ins and a real Alertmanager routed to them. Child processes are added
 * to `children` for the caller to stop. With {@link StackOptions.alertmanagers} > 1 it starts a
 * cluster: each member gossips on its own loopback cluster port with every other as
 * `--cluster.peer`, keeps its own data directory, and is ready once its `/api/v2/status` lists all
 * members (Alertmanager then deduplicates notifications across the cluster through the gossiped
 * notification log; `--cluster.peer-timeout` is {@link ALERTMANAGER_PEER_TIMEOUT_SECONDS}, and the
 * group interval is raised to {@link clusterGroupIntervalSeconds} when shorter).
 * @throws Error when an Alertmanager does not become ready, or the cluster does not form within 90 s
 */
export async function startAlerting(
  o: {
    dir: string;
    timings?: Timings;
    failFirst?: StackOptions['failFirst'];
    onArrival?: (a: Arrival) => void;
    ports?: Partial<StackPorts>;
    log?: (line: string) => void;
    /** The alert history webhook of a recorder (default: the stand-ins' `/history`, which keeps the payloads). */
    historyUrl?: string;
    /** A cluster instead of one Alertmanager ({@link StackOptions.alertmanagers}). */
    alertmanagers?: AlertmanagerMembers;
    /** Access control ({@link StackOptions.secure}): Alertmanager serves its web under it and sends the history with the `alertmanager` user's credentials. */
    access?: StackAccess;
  },
  children: ChildProcess[],
): Promise<Alerting> {
  const log = o.log ?? (() => {});
  const dir = o.dir;
  // Secrets, in files, exactly as production reads them.
  const secrets: StandInSecrets = {
    slackPath: '/slack/T000/B000/stand-in',
    pagerKey: 'stand-in-routing-key',
    deadmanToken: 'stand-in-deadman-token',
    smtpUser: 'alertmanager',
    smtpPassword: 'stand-in-smtp-password',
    telegramToken: '123456:stand-in-bot-token',
    telegramChatId: -1001234567890,
    awsAccessKeyId: 'AKIASTANDIN000000000',
    awsSecretAccessKey: 'stand-in-aws-secret-access-key',
    awsRegion: 'eu-west-2',
    smsPhone: '+442079460000',
  };
  const secretDir = join(dir, 'secrets');
  mkdirSync(secretDir);
  const receivers = await startReceivers({ secrets, failFirst: o.failFirst, onArrival: o.onArrival }, { http: o.ports?.receiversHttp, smtp: o.ports?.receiversSmtp });
  const base = `http://127.0.0.1:${receivers.httpPort}`;
  writeFileSync(join(secretDir, 'slack_webhook_url'), `${base}${secrets.slackPath}`);
  writeFileSync(join(secretDir, 'pagerduty_routing_key'), secrets.pagerKey);
  writeFileSync(join(secretDir, 'smtp_password'), secrets.smtpPassword);
  writeFileSync(join(secretDir, 'deadman_token'), secrets.deadmanToken);
  writeFileSync(join(secretDir, 'telegram_bot_token'), `${secrets.telegramToken}\n`);
  // SNS signs with a shared-credentials profile, as in production (AWS_SHARED_CREDENTIALS_FILE below).
  writeFileSync(join(secretDir, 'aws_credentials'), `[tickwatch-alertmanager]\naws_access_key_id = ${secrets.awsAccessKeyId}\naws_secret_access_key = ${secrets.awsSecretAccessKey}\n`);
  log(`receivers: http ${base} (slack, pagerduty, deadman, telegram, sns), smtp 127.0.0.1:${receivers.smtpPort}`);

  // Alertmanager.
  try {
    const members = o.alertmanagers ?? 1;
    const count = typeof members === 'number' ? members : members.length;
    // A cluster needs a group interval longer than its members' waits, or it notifies twice (clusterGroupIntervalSeconds).
    const asked = o.timings ?? DRILL_TIMINGS;
    const timings = asked.groupIntervalSeconds >= clusterGroupIntervalSeconds(count) ? asked : { ...asked, groupIntervalSeconds: clusterGroupIntervalSeconds(count) };
    if (timings !== asked) log(`alertmanager cluster of ${count}: group_interval ${asked.groupIntervalSeconds} s raised to ${timings.groupIntervalSeconds} s (${count - 1} x peer timeout ${ALERTMANAGER_PEER_TIMEOUT_SECONDS} s + 5 s)`);
    const amCfg = join(dir, 'alertmanager.yml');
    writeFileSync(
      amCfg,
      stringify(
        alertmanagerConfig(
          {
            slackApiUrlFile: join(secretDir, 'slack_webhook_url'),
            slackChannel: '#trading-alerts',
            pagerdutyUrl: `${base}/pagerduty`,
            pagerdutyRoutingKeyFile: join(secretDir, 'pagerduty_routing_key'),
            smtpSmarthost: `127.0.0.1:${receivers.smtpPort}`,
            emailFrom: 'alertmanager@stack.local',
            emailTo: 'oncall@stack.local',
            smtpUsername: secrets.smtpUser,
            smtpPasswordFile: join(secretDir, 'smtp_password'),
            smtpRequireTls: false,
            deadmanUrl: `${base}/deadman`,
            deadmanTokenFile: join(secretDir, 'deadman_token'),
            historyUrl: o.historyUrl ?? `${base}/history`,
            ...(o.access ? { historyAccess: { basicAuth: { username: 'alertmanager', passwordFile: o.access.users.alertmanager.passwordFile }, tls: { caFile: o.access.caFile } } } : {}),
            telegram: { botTokenFile: join(secretDir, 'telegram_bot_token'), chatId: secrets.telegramChatId, apiUrl: `${base}/telegram` },
            sms: { phoneNumbers: [secrets.smsPhone], region: secrets.awsRegion, profile: 'tickwatch-alertmanager', apiUrl: `${base}/sns` },
          },
          timings,
          repoPath('alertmanager/templates/*.tmpl'),
          // The installed Alertmanager (0.25) cannot read Telegram's token from a file: the
          // generator reads it, as a deploy would (ALERTMANAGER_VERSION in alertmanager/config.ts).
          { readSecret: (path) => readFileSync(path, 'utf8') },
        ),
      ),
    );
    // AWS SDK settings of Alertmanager's SNS client: credentials from our file only (no AWS_* of
    // this shell, no ~/.aws), and never the EC2 metadata service (only loopback traffic here).
    const amEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    Object.assign(amEnv, { AWS_SHARED_CREDENTIALS_FILE: join(secretDir, 'aws_credentials'), AWS_CONFIG_FILE: join(secretDir, 'aws_config'), AWS_EC2_METADATA_DISABLED: 'true' });
    writeFileSync(join(secretDir, 'aws_config'), '');
    const ports: { web: number; cluster: number | undefined }[] = [];
    for (let i = 0; i < count; i++) {
      const fixed = typeof members === 'number' ? undefined : members[i];
      const web = fixed?.web ?? ((i === 0 && o.ports?.alertmanager) || (await freePort()));
      ports.push({ web, cluster: count === 1 ? undefined : (fixed?.cluster ?? (await freePort())) });
    }
    const access = o.access;
    const probe = accessProbe(access);
    const nodes: AlertmanagerNode[] = [];
    for (const [i, p] of ports.entries()) {
      const dataDir = join(dir, count === 1 ? 'alertmanager' : `alertmanager-${i + 1}`);
      const clusterAddress = p.cluster === undefined ? undefined : `127.0.0.1:${p.cluster}`;
      const clusterFlags = clusterAddress
        ? [`--cluster.listen-address=${clusterAddress}`, `--cluster.advertise-address=${clusterAddress}`, `--cluster.peer-timeout=${ALERTMANAGER_PEER_TIMEOUT_SECONDS}s`, ...ports.filter((q) => q !== p).map((q) => `--cluster.peer=127.0.0.1:${q.cluster}`)]
        : ['--cluster.listen-address='];
      const am = run('prometheus-alertmanager', [`--config.file=${amCfg}`, `--storage.path=${dataDir}`, `--web.listen-address=127.0.0.1:${p.web}`, ...(access ? [`--web.config.file=${access.webConfigFile}`] : []), ...clusterFlags, '--log.level=warn'], amEnv);
      children.push(am.child);
      const url = `${access ? 'https' : 'http'}://127.0.0.1:${p.web}`;
      await waitForHttp(`${url}/-/ready`, 30_000, { child: am.child, name: `alertmanager ${i + 1}`, output: am.out }, probe);
      nodes.push({ url, address: `127.0.0.1:${p.web}`, clusterAddress, dataDir, child: am.child });
    }
    if (count > 1) await waitForCluster(nodes, 90_000, access);
    const amPort = ports[0]!.web;
    const alertmanagerUrl = nodes[0]!.url;
    log(count === 1 ? `alertmanager: ${alertmanagerUrl}` : `alertmanager cluster: ${nodes.map((n) => `${n.url} (gossip ${n.clusterAddress})`).join(', ')}`);

    return { receivers, port: amPort, url: alertmanagerUrl, nodes };
  } catch (err) {
    await receivers.close();
    throw err;
  }
}

/**
 * `--cluster.peer-timeout` of every clustered Alertmanager, seconds: Alertmanager's default. The
 * member at position i (0 sends first) waits i times this before sending what the notification log
 * does not yet show as sent.
 */
export const ALERTMANAGER_PEER_TIMEOUT_SECONDS = 15;

/**
 * The `group_interval` a cluster of `members` needs so that it sends each notification once: at
 * least the last member's wait ((members - 1) x {@link ALERTMANAGER_PEER_TIMEOUT_SECONDS}) plus 5 s
 * of gossip. A member whose wait outlasts the next flush checks a firing alert against a
 * notification log that already says resolved, and sends the stale firing again, then the resolve
 * (prometheus/alertmanager#1341, #4008; seen here: with the drills' 2 s, every member behind the
 * sender re-sent each alert, 3 firing and 3 resolved notifications per channel with three members).
 * Production's 60 s (PRODUCTION_TIMINGS) covers three members.
 * @param members - cluster size, >= 1
 */
export function clusterGroupIntervalSeconds(members: number): number {
  return members <= 1 ? 0 : (members - 1) * ALERTMANAGER_PEER_TIMEOUT_SECONDS + 5;
}

/**
 * Waits until every member's `/api/v2/status` lists every member as a peer.
 * @throws Error naming the members seen by each when that has not happened within `timeoutMs`
 */
async function waitForCluster(nodes: readonly AlertmanagerNode[], timeoutMs: number, access?: StackAccess): Promise<void> {
  const t0 = Date.now();
  const all = nodes.map((n) => n.clusterAddress!).sort();
  for (;;) {
    const seen = await Promise.all(
      nodes.map(async (n) => {
        const url = `${n.url}/api/v2/status`;
        const text = access
          ? await secureGet(url, access).then((r) => (r.status === 200 ? r.body : undefined), () => undefined)
          : await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => (r.ok ? r.text() : undefined), () => undefined);
        const body = text === undefined ? undefined : (JSON.parse(text) as { cluster?: { status?: string; peers?: { address: string }[] } });
        return { node: n.clusterAddress, status: body?.cluster?.status ?? 'no answer', peers: (body?.cluster?.peers ?? []).map((x) => x.address).sort() };
      }),
    );
    if (seen.every((x) => x.peers.join() === all.join())) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`the Alertmanager cluster did not form within ${timeoutMs} ms: ${seen.map((x) => `${x.node} ${x.status}, peers [${x.peers.join(' ')}]`).join('; ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Starts the stack and the simulated streams.
 * @throws Error when a component does not start (everything already started is stopped first)
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const log = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'tickwatch-stack-'));
  const children: ChildProcess[] = [];
  const services: Tickwatch[] = [];
  let receivers: Receivers | undefined;
  const abort = new AbortController();
  const cleanup = async () => {
    abort.abort();
    await Promise.all(children.map(stopChild));
    for (const s of services) await s.close().catch(() => {});
    await receivers?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const access = o.secure ? makeStackAccess(dir) : undefined;
    if (access) log(`access control on: web config ${access.webConfigFile}, CA ${access.caFile}, users ${Object.keys(access.users).join(', ')} (passwords in ${access.dir}/<user>.password)`);
    const scheme = access ? 'https' : 'http';
    const probe = accessProbe(access);
    // The first scenario's recorder keeps the alert history: Alertmanager is told its port up front.
    const historyPort = o.ports?.recorderQuery || (await freePort());
    const historyUrl = `${scheme}://127.0.0.1:${historyPort}`;
    const alerting = await startAlerting(
      { dir, timings: o.timings, failFirst: o.failFirst, onArrival: o.onArrival, ports: o.ports, log, historyUrl: `${historyUrl}${RECORDER_ALERT_WEBHOOK_PATH}`, alertmanagers: o.alertmanagers, ...(access ? { access } : {}) },
      children,
    );
    receivers = alerting.receivers;
    const alertmanagerUrl = alerting.url;

    // Exporters, one per scenario, each tailing its own file; the first also gets the host exporter
    // and the audit recorder when all services are asked for.
    const logging = createLogging({ service: 'tickwatch-stack', levels: parseLogLevels(process.env.TICKWATCH_LOG_LEVEL, 'warn') });
    const targets: { scenario: Scenario; exporter: HftExporter; instance: string }[] = [];
    const scraped: RunningTarget[] = [];
    // A scenario named twice (several normal engines) gets its index in its file names.
    const fileName = (s: Scenario, i: number) => (o.scenarios.findIndex((x) => x.name === s.name) === i ? s.name : `${s.name}-${i}`);
    for (const [i, s] of o.scenarios.entries()) {
      const all = o.allServices === true && i === 0;
      const tw = await startTickwatch(
        {
          dataDir: join(dir, `hft-${fileName(s, i)}`),
          hft: { port: i === 0 ? (o.ports?.hft ?? 0) : 0, tcp: null, files: [join(dir, `${fileName(s, i)}.ndjson`)], calendar: ALWAYS_OPEN_CALENDAR, pollMs: 100 },
          host: all ? { port: o.ports?.host ?? 0 } : false,
          recorders: i === 0 ? [{ store: { kind: 'embedded', path: join(dir, 'audit.duckdb') }, dataDir: join(dir, 'recorder'), port: all ? (o.ports?.recorder ?? 0) : 0, queryPort: historyPort }] : [],
          ...(access ? { web: { configFile: access.webConfigFile } } : {}),
        },
        logging,
      );
      services.push(tw);
      scraped.push(...tw.targets().filter((t) => all || t.service !== 'recorder'));
      targets.push({ scenario: s, exporter: tw.hft!, instance: `127.0.0.1:${tw.hft!.metrics.port}` });
      if (all) log(`host exporter: ${tw.host!.metrics.url}/metrics; audit recorder: ${tw.recorders[0]!.service.metrics.url}/metrics (embedded store ${join(dir, 'audit.duckdb')})`);
      if (i === 0) log(`alert history: ${historyUrl}/api/v1/alerts (tickwatch alerts history ${access ? `--query-url ${historyUrl} --http.config.file ${access.operatorClientFile}` : `--query-port ${historyPort}`})`);
    }
    log(`exporters: ${targets.map((t) => `${t.scenario.name} ${t.exporter.metrics.url}`).join(', ')}`);
    const jobs: ScrapeJob[] = Object.values(JOBS)
      .map((j) => ({ job: j.job, targets: scraped.filter((t) => t.job === j.job).map((t) => t.instance), interval: j.interval }))
      .filter((j) => j.targets.length > 0);

    // Simulated streams, all the same length so none goes silent early (which would raise FeedGap),
    // started as soon as the exporters are up: an exporter that hears nothing from its engine for
    // 10 s calls it silent (EngineSilent), rightly, and Prometheus can take that long to start on a
    // busy machine. Prometheus joins while they run.
    const duration = o.duration ?? Math.max(...o.scenarios.map(defaultDuration));
    const startedAt = Date.now();
    const streams = Promise.all(
      targets.map(async (t, i) => {
        const sink = new FileSink(join(dir, `${fileName(t.scenario, i)}.ndjson`));
        await runScenario({ scenario: t.scenario, seed: (o.seed ?? 1) + i, start: startedAt / 1000, speed: o.speed, duration }, sink, abort.signal);
        await sink.close();
      }),
    ).then(() => undefined);
    // Prometheus.
    const promPort = o.ports?.prometheus || (await freePort());
    const promCfg = join(dir, 'prometheus.yml');
    writeFileSync(
      promCfg,
      stringify(
        prometheusConfig({
          scrapeInterval: '1s',
          evaluationInterval: '1s',
          externalLabels: { environment: 'stack', cluster: 'local' },
          jobs,
          ruleFiles: [repoPath('prometheus/rules/*.yml')],
          alertmanagers: alerting.nodes.map((n) => n.address),
          ...(access
            ? {
                access: { basicAuth: { username: 'prometheus', passwordFile: access.users.prometheus.passwordFile }, tls: { caFile: access.caFile } },
                alertmanagerAccess: { basicAuth: { username: 'prometheus', passwordFile: access.users.prometheus.passwordFile }, tls: { caFile: access.caFile } },
              }
            : {}),
        }),
      ),
    );
    const prom = run('prometheus', [`--config.file=${promCfg}`, `--storage.tsdb.path=${join(dir, 'prometheus')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--rules.alert.resend-delay=1s', '--log.level=warn', ...retentionFlags(), ...(access ? [`--web.config.file=${access.webConfigFile}`] : [])]);
    children.push(prom.child);
    const prometheusUrl = `${scheme}://127.0.0.1:${promPort}`;
    await waitForHttp(`${prometheusUrl}/-/ready`, 30_000, { child: prom.child, name: 'prometheus', output: prom.out }, probe);
    log(`prometheus: ${prometheusUrl}`);

    return { dir, prometheusUrl, alertmanagerUrl, alertmanagers: alerting.nodes, historyUrl, receivers, targets, startedAt, streams, stop: cleanup, ...(access ? { access } : {}) };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
