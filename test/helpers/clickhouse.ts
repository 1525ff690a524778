/**
 * A real Debian clickhouse-server (18.16) for the tests: its own config, free loopback ports, data
 * under a temp folder. It can be hung (SIGSTOP on `process`), killed and started again on the same
 * data (outage drills). {@link startClickHouseCluster} starts several as the replicas of one shard
 * of a replicated cluster (`remote_servers`, `macros`, `zookeeper`, `distributed_ddl`), coordinated
 * by a ZooKeeper the caller started (helpers/zookeeper.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, waitForHttp } from '../../scripts/lib/net.js';
import { signalAndWait } from '../../scripts/lib/process.js';

/** The server binary: on PATH, else where Debian puts it (/usr/sbin, often not on a user's PATH). */
function serverBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin'];
  return dirs.map((d) => join(d, 'clickhouse-server')).find((p) => existsSync(p)) ?? 'clickhouse-server';
}

/** A clickhouse-server process. */
export interface ClickHouseServer {
  /** HTTP interface URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The folder holding config, logs and data. */
  readonly dir: string;
  /** The data path (`<path>`), with a trailing slash. */
  readonly dataPath: string;
  /** The native protocol port (`<tcp_port>`: the cluster's replicas reach each other on it). */
  readonly tcpPort: number;
  /** The running process (the last one started). */
  readonly process: ChildProcess;
  /**
   * Runs SQL over HTTP (10 s deadline) and returns the body.
   * @throws Error with the server's message on a non-200 answer
   */
  query(sql: string): Promise<string>;
  /**
   * Starts the server (again, on the same data) and waits until it answers /ping.
   * @throws Error when it exits or does not answer within 60 s (with the tail of its error log)
   */
  start(): Promise<void>;
  /** Stops it and waits for it to go: SIGKILL by default (an outage, not a shutdown); a hung (SIGSTOPped) server is continued first. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 15 s) and removes its folder. */
  destroy(): Promise<void>;
  /** The last 4,000 characters of its error log (`log/err.log`), or `(no error log)`. */
  errors(): string;
  /**
   * The messages of the last 10 exceptions in its error log (their `displayText()` lines, without
   * the stack traces that follow each), or `(none)`: why a server died when its crash dump fills
   * {@link errors}' tail.
   */
  exceptions(): string;
}

/**
 * `work`, unless one of `servers` exits before it ends: then an error naming that server, how it
 * ended and the tail of its error log. A replica that dies while tables are created ON CLUSTER
 * leaves the creating recorder waiting on its distributed DDL (18.16's replica r1 segfaulted in
 * `zkutil::ZooKeeper::createImpl` once, 7 December 2026, and the cluster test waited out its 600 s
 * time-out without saying why).
 */
export async function whileUp<T>(servers: readonly ClickHouseServer[], work: Promise<T>): Promise<T> {
  const watched: [ChildProcess, () => void][] = [];
  const died = new Promise<never>((_, reject) => {
    for (const s of servers) {
      const c = s.process;
      const fail = () => reject(new Error(`clickhouse-server ${s.url} (${s.dir}) ended (exit code ${c.exitCode}, signal ${c.signalCode}) while it was needed; its error log's last exceptions:\n${s.exceptions()}\nits error log ends:\n${s.errors()}`));
      if (c.exitCode !== null || c.signalCode !== null) fail();
      else {
        c.once('exit', fail);
        watched.push([c, fail]);
      }
    }
  });
  died.catch(() => undefined); // read by the race below, or not at all when work ends first
  try {
    return await Promise.race([work, died]);
  } finally {
    for (const [c, fail] of watched) c.off('exit', fail);
  }
}

/** Options of {@link startClickHouse}. */
export interface ClickHouseOptions {
  /**
   * `log_queries` of the default profile (default true): queries are logged to system.query_log,
   * which the ClickHouse exporter's `query_log` collector reads. False keeps 18.16's own default
   * (0: no query is logged and system.query_log is never created).
   */
  readonly logQueries?: boolean;
  /** The ports to listen on (default: free ones); a cluster's servers must know each other's before they start. */
  readonly ports?: { readonly http: number; readonly tcp: number; readonly interserver: number };
  /** Make it a replica of a one-shard replicated cluster (see {@link ClusterReplica}). */
  readonly cluster?: ClusterReplica;
}

/** What makes a server one replica of a one-shard replicated cluster. */
export interface ClusterReplica {
  /** The cluster's name in `remote_servers`. */
  readonly name: string;
  /** This server's `{shard}` and `{replica}` macros. */
  readonly shard: string;
  readonly replica: string;
  /** The native (TCP) ports of every replica of the shard, this one's included, all on 127.0.0.1. */
  readonly replicaTcpPorts: readonly number[];
  /** The ZooKeeper's client port on 127.0.0.1. */
  readonly zookeeperPort: number;
}

/** The config.xml sections of a cluster replica: remote_servers, macros, zookeeper, distributed DDL. */
function clusterConfig(c: ClusterReplica): string {
  const replicas = c.replicaTcpPorts.map((p) => `<replica><host>127.0.0.1</host><port>${p}</port><user>default</user></replica>`).join('');
  return `  <remote_servers><${c.name}><shard><internal_replication>true</internal_replication>${replicas}</shard></${c.name}></remote_servers>
  <macros><shard>${c.shard}</shard><replica>${c.replica}</replica></macros>
  <zookeeper><node><host>127.0.0.1</host><port>${c.zookeeperPort}</port></node><session_timeout_ms>30000</session_timeout_ms></zookeeper>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <interserver_http_host>127.0.0.1</interserver_http_host>
`;
}

/**
 * Writes a minimal config.xml and users.xml under `dir` (default: a new temp folder) and starts the
 * server on free loopback ports. The default profile logs queries (see {@link ClickHouseOptions}).
 * @throws Error when the binary is missing (scripts/setup.sh installs it) or it does not come up
 */
export async function startClickHouse(dir: string = mkdtempSync(join(tmpdir(), 'tickwatch-ch-')), options: ClickHouseOptions = {}): Promise<ClickHouseServer> {
  const { http, tcp, interserver } = options.ports ?? { http: await freePort(), tcp: await freePort(), interserver: await freePort() };
  const dataPath = join(dir, 'data') + '/';
  for (const d of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/clickhouse.log</log><errorlog>${dir}/log/err.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <interserver_http_port>${interserver}</interserver_http_port>
  <path>${dataPath}</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
${options.cluster ? clusterConfig(options.cluster) : ''}</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default>${options.logQueries === false ? '' : '<log_queries>1</log_queries>'}</default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
`,
  );
  const url = `http://127.0.0.1:${http}`;
  const readLog = (): string | undefined => {
    try {
      return readFileSync(join(dir, 'log/err.log'), 'utf8');
    } catch {
      return undefined;
    }
  };
  const exceptions = (): string => {
    const lines = (readLog() ?? '').split('\n').filter((l) => l.includes('e.displayText() = '));
    return lines.length ? lines.slice(-10).join('\n') : '(none)';
  };
  const errLog = (): string => {
    const log = readLog();
    return log === undefined ? '(no error log)' : log.slice(-4000);
  };
  let child: ChildProcess | undefined;
  const server: ClickHouseServer = {
    url,
    dir,
    dataPath,
    tcpPort: tcp,
    get process(): ChildProcess {
      if (!child) throw new Error('clickhouse-server was never started');
      return child;
    },
    async query(sql) {
      const r = await fetch(`${url}/`, { method: 'POST', body: sql, signal: AbortSignal.timeout(10_000) });
      const body = await r.text();
      if (!r.ok) throw new Error(`ClickHouse: ${body.trim()}`);
      return body;
    },
    async start() {
      child = spawn(serverBinary(), [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: 'ignore' });
      await waitForHttp(`${url}/ping`, options.cluster ? 120_000 : 60_000, { child, name: options.cluster ? `clickhouse-server (replica ${options.cluster.replica} of cluster ${options.cluster.name})` : 'clickhouse-server', output: errLog });
    },
    async stop(signal = 'SIGKILL') {
      await signalAndWait(child, signal);
    },
    errors: errLog,
    exceptions,
    async destroy() {
      // A replica of a cluster can take minutes to shut down (it waits on replication and ZooKeeper):
      // after 15 s it is killed.
      const c = child;
      const kill = setTimeout(() => c?.kill('SIGKILL'), 15_000);
      await server.stop('SIGTERM');
      clearTimeout(kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/**
 * Starts `replicas` servers (default 2) as the replicas of the one shard (`01`) of cluster `name`
 * (default `tickwatch`), each with its own data and ports, coordinated by the ZooKeeper on
 * `zookeeperPort`; replica macros `r1`, `r2`, ... Started one after the other (the machine is shared).
 * @throws Error when a server does not come up within 120 s (the one that timed out is named; those
 *   started are destroyed first)
 */
export async function startClickHouseCluster(zookeeperPort: number, o: { readonly name?: string; readonly replicas?: number; readonly logQueries?: boolean } = {}): Promise<ClickHouseServer[]> {
  const n = o.replicas ?? 2;
  const name = o.name ?? 'tickwatch';
  const ports: { http: number; tcp: number; interserver: number }[] = [];
  for (let i = 0; i < n; i++) ports.push({ http: await freePort(), tcp: await freePort(), interserver: await freePort() });
  const servers: ClickHouseServer[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const cluster = { name, shard: '01', replica: `r${i + 1}`, replicaTcpPorts: ports.map((p) => p.tcp), zookeeperPort };
      servers.push(await startClickHouse(mkdtempSync(join(tmpdir(), `tickwatch-ch-r${i + 1}-`)), { ports: ports[i]!, cluster, ...(o.logQueries === undefined ? {} : { logQueries: o.logQueries }) }));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.destroy()));
    throw err;
  }
  return servers;
}
