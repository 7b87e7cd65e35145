#!/usr/bin/env node
/**
 * berth watch latency: from a write on the host to the new content being readable inside
 * the container, p50/p95 over N edits (default 100), plus (real mode) a one-file rebuild
 * with a warm cache.
 *
 *   npm run build
 *   node bench/watch-latency.mjs --pipeline     # watcher → coalescer → planner → sync, into
 *                                               # a stand-in "rootfs" folder (no engine)
 *   sudo node bench/watch-latency.mjs           # the real engine: a busybox stack, reading the
 *                                               # file through /proc/<pid>/root of the container
 * Options: --edits N, --quiet MS (quiet period, default berth's 20), --poll
 *
 * Docker Compose's watch waits for a 500 ms quiet period before it even starts to copy
 * (pkg/watch/debounce.go), so its latency is at least 500 ms by construction.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (n) => args.includes(n);
const opt = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const EDITS = opt('--edits', 100);
const QUIET = opt('--quiet', 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Writes, then spins until `read()` returns the new content; returns the ms it took. */
async function measure(file, read, i) {
  const content = `edit ${i} ${Math.random()}\n`;
  const t0 = performance.now();
  fs.writeFileSync(file, content);
  for (;;) {
    let now;
    try {
      now = read();
    } catch {
      now = undefined;
    }
    if (now === content) return performance.now() - t0;
    if (performance.now() - t0 > 5000) throw new Error(`edit ${i} not visible after 5 s`);
    await new Promise((r) => setImmediate(r));
  }
}

async function runEdits(file, read) {
  const times = [];
  for (let i = 0; i < EDITS; i++) {
    times.push(await measure(file, read, i));
    await sleep(QUIET + 30); // let the next edit start a fresh batch
  }
  return times;
}

function report(label, times) {
  const r = (x) => Math.round(x * 10) / 10;
  const line = `${label}: ${times.length} edits, p50 ${r(pct(times, 50))} ms, p95 ${r(pct(times, 95))} ms, max ${r(Math.max(...times))} ms`;
  console.log(line);
  return line;
}

async function pipeline() {
  const { WatchSession } = await import(path.join(ROOT, 'dist/src/app/watch/session.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(rootfs);
  const project = {
    name: 'bench',
    working_dir: dir,
    services: { web: { image: 'x', develop: { watch: [{ path: path.join(dir, 'src'), action: 'sync', target: '/app' }] } } },
  };
  // A stand-in engine: one running container whose filesystem is the `rootfs` folder.
  const engine = {
    containerList: async () => [{ id: 'c1', names: ['/bench-web-1'], state: 'running', labels: {} }],
    containerSync: async (_id, ops) => {
      for (const op of ops) {
        const dst = path.join(rootfs, op.containerPath);
        if (op.op === 'delete') fs.rmSync(dst, { recursive: true, force: true });
        else {
          fs.mkdirSync(path.dirname(dst), { recursive: true });
          fs.cpSync(op.hostPath, dst, { recursive: true, verbatimSymlinks: true });
        }
      }
      return { applied: ops.length, failed: [] };
    },
    events: async function* (_o, signal) {
      await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
    },
  };
  const ac = new AbortController();
  let ready;
  const isReady = new Promise((r) => (ready = r));
  const session = new WatchSession(
    { engine, load: async () => ({ project, files: [] }), print: () => undefined, printError: (e) => console.error(e), signal: ac.signal },
    { noUp: true, quietMs: QUIET, poll: flag('--poll'), onReady: ready },
  );
  const run = session.run();
  await isReady;
  const file = path.join(dir, 'src', 'index.html');
  const times = await runEdits(file, () => fs.readFileSync(path.join(rootfs, 'app', 'index.html'), 'utf8'));
  ac.abort();
  await run;
  fs.rmSync(dir, { recursive: true, force: true });
  return report(`pipeline (no engine), quiet ${QUIET} ms${flag('--poll') ? ', polling' : ''}`, times);
}

async function real() {
  const { realBench } = await import(path.join(ROOT, 'bench/watch-real.mjs'));
  return realBench({ ROOT, EDITS, QUIET, poll: flag('--poll'), runEdits, report, sleep });
}

const out = flag('--pipeline') ? await pipeline() : await real();
if (flag('--json')) console.log(JSON.stringify({ result: out }));
