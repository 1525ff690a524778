/**
 * `npm run bench -- ab`: this tree's `tickwatch start` against another revision's, under one load
 * at once (issue 19). On this shared VM the machine's speed moves by 20-50 % between runs minutes
 * apart, more than most changes move the overhead; two processes measured in the same windows see
 * the same machine. One `tickwatch simulate` appends the normal mix to one file in real time; the
 * revision's `tickwatch start` (cloned into a temp folder, compiled, node_modules shared) and this
 * tree's tail it side by side, each with its own ports and data folder; CPU of each process from
 * `/proc` over the same windows, as a share of one core, and this tree's over the revision's.
 *
 * The normal session opens with a tick burst (3x for 30 s, easing to 1x by 90 s: simulator/model.ts),
 * and a rate's tick setting is calibrated over its first 20 s (overhead.ts), so the windows, after
 * the warm-up, see the rate fall: each prints the lines/s the file grew by. Both processes read the
 * same lines at the same moments, which is what the comparison needs.
 *
 * Environment: `BENCH_AB_BASE` the revision to compare with (default `HEAD~1`); `BENCH_AB_SERVICES`
 * `no-host` (exporter and recorder, the default) or `exporter` (the exporter alone); `BENCH_AB_RATES`
 * lines/s, comma-separated (default `15000,60000`); `BENCH_AB_WINDOWS` windows a rate (default 3).
 * About 1.5 minutes a rate, plus the revision's build. No target: the figures are the output.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForHttp } from '../lib/net.js';
import { signalAndWait } from '../lib/process.js';
import { cpuShare, cpuSnap, linesPerSecond, simulator, ticksFor } from './overhead.js';
import { median, table } from './measure.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const WARMUP_S = 25;
const WINDOW_S = 20;

/** Average bytes a line of the file's first MiB. */
function bytesPerLine(file: string): number {
  const buf = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    let lines = 0;
    for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
    return lines ? n / lines : NaN;
  } finally {
    closeSync(fd);
  }
}

/** `tickwatch start` of the tree at `root` on `file`, ready. */
async function start(root: string, file: string, dataDir: string, services: string): Promise<ChildProcess> {
  const [port, tcp, rport, qport] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const args = [join(root, 'scripts', 'tickwatch.mjs'), 'start', '--no-simulator', '--no-host', '--events', file, '--data-dir', dataDir, '--port', String(port), '--tcp', `127.0.0.1:${tcp}`];
  args.push(...(services === 'exporter' ? ['--no-recorder'] : ['--recorder-port', String(rport), '--query-port', String(qport)]));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TICKWATCH_LOG_LEVEL: 'warn' } });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 60_000, { child, name: `tickwatch start (${root})`, output: () => err });
  return child;
}

/** Runs the comparison and prints its table. @returns true (no target) */
export async function benchAb(): Promise<boolean> {
  const base = process.env.BENCH_AB_BASE ?? 'HEAD~1';
  const services = process.env.BENCH_AB_SERVICES ?? 'no-host';
  if (services !== 'no-host' && services !== 'exporter') throw new Error(`BENCH_AB_SERVICES must be no-host or exporter, not ${services}`);
  const rates = (process.env.BENCH_AB_RATES ?? '15000,60000').split(',').map(Number);
  const windows = Number(process.env.BENCH_AB_WINDOWS ?? 3);
  const root = mkdtempSync(join(tmpdir(), 'tickwatch-ab-'));
  try {
    const sha = execFileSync('git', ['-C', REPO, 'rev-parse', base], { encoding: 'utf8' }).trim();
    const baseTree = join(root, 'base');
    execFileSync('git', ['clone', '--quiet', REPO, baseTree]);
    execFileSync('git', ['-C', baseTree, 'checkout', '--quiet', sha]);
    symlinkSync(join(REPO, 'node_modules'), join(baseTree, 'node_modules'));
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', 'js'], { cwd: baseTree, stdio: 'ignore' });
    const head = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', REPO, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    const cal = [
      { ticks: 200, lines: linesPerSecond(200) },
      { ticks: 8000, lines: linesPerSecond(8000) },
    ];
    const rows: (string | number)[][] = [];
    const ratios = new Map<number, number[]>();
    for (const rate of rates) {
      const dir = join(root, `r${rate}`);
      mkdirSync(dir);
      const file = join(dir, 'events.ndjson');
      const sim = simulator(file, ticksFor(rate, cal));
      let a: ChildProcess | undefined;
      let b: ChildProcess | undefined;
      try {
        while (statSync(file, { throwIfNoEntry: false }) === undefined) await new Promise((r) => setTimeout(r, 100));
        a = await start(baseTree, file, join(dir, 'base'), services);
        b = await start(REPO, file, join(dir, 'this'), services);
        await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
        const perLine = bytesPerLine(file);
        for (let w = 1; w <= windows; w++) {
          const size0 = statSync(file).size;
          const [a0, b0] = [cpuSnap(a.pid!), cpuSnap(b.pid!)];
          await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
          const [a1, b1] = [cpuSnap(a.pid!), cpuSnap(b.pid!)];
          const grew = (statSync(file).size - size0) / perLine / ((a1.at - a0.at) / 1000);
          const [ca, cb] = [cpuShare(a.pid!, a0, a1).total, cpuShare(b.pid!, b0, b1).total];
          ratios.set(rate, [...(ratios.get(rate) ?? []), cb / ca]);
          rows.push([String(rate), String(w), Math.round(grew).toLocaleString('en'), ca.toFixed(2), cb.toFixed(2), (cb / ca).toFixed(3)]);
        }
      } finally {
        await Promise.all([signalAndWait(b, 'SIGTERM'), signalAndWait(a, 'SIGTERM')]);
        await signalAndWait(sim, 'SIGTERM');
      }
    }
    table(
      `tickwatch start ${services === 'exporter' ? '--no-recorder --no-host (the exporter alone)' : '--no-host (exporter and recorder)'}: ${base} (${sha.slice(0, 7)}) against this tree (${head}${dirty ? ' with uncommitted changes' : ''}), one load at once, % of one core over the same ${WINDOW_S} s windows after ${WARMUP_S} s`,
      ['target lines/s', 'window', 'lines/s written', `${base} %`, 'this tree %', 'this / base'],
      rows,
    );
    for (const [rate, r] of ratios) console.log(`${rate} lines/s: this tree / ${base}, median of ${r.length} windows: ${median(r).toFixed(3)}`);
    return true;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
