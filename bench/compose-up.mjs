#!/usr/bin/env node
/**
 * `berth up -d` / `down -v` beside `docker-compose up -d` / `down -v` (v1.29, Debian) on
 * Docker Engine (Debian's docker.io), in one run, interleaved round by round (the machine is
 * shared and noisy; the order of the two tools alternates every round).
 *
 *   npm run build && sudo node bench/compose-up.mjs [--rounds 3] [--stacks demo,flat10,flat30,chain30]
 *        [--no-docker] [--docker-iptables] [--berth-parallel N] [--bin dist/src/cli/bin.js] [--json FILE]
 *
 * --berth-parallel N adds a column: berth with COMPOSE_PARALLEL_LIMIT=N (default 8).
 *
 * --json FILE (or $BENCH_RESULTS_DIR/compose-up.json) keeps every sample, and FILE minus
 * .json plus .commands.log keeps what each command printed (which containers it recreated).
 *
 * Stacks: `demo` is examples/demo/compose.yaml (4 services, a healthcheck-gated one-shot
 * job, a named volume, a published port moved to 18080); `flatN` is N independent busybox
 * services, each publishing one port on 127.0.0.1 (18100+i); `chainN` is N services in a
 * depends_on chain, no ports. Every container runs with `init: true` so stops are quick in
 * both engines.
 * Steps, each a whole CLI process, wall clock: `up -d` cold (no container, network or
 * volume), `up -d` again (nothing changed), `up -d` after one service's environment changed
 * (through `${BENCH_CHANGE}` interpolation, so the file is not rewritten), `down -v`.
 *
 * berth runs on its own BERTH_ROOT under /tmp/bt (its engine starts on demand and is stopped
 * at the end); Docker is a private dockerd (bench/lib/peer.mjs) stopped at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeV2Candidate, dockerImport, ensurePeerPackages, peerVersions, startDockerd } from './lib/peer.mjs';
import { load1, summary, timed } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (n) => args.includes(n);
const opt = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const ROUNDS = Number(opt('--rounds', 3));
const STACKS = opt('--stacks', 'demo,flat10,flat30,chain30').split(',');
const BIN = path.resolve(opt('--bin', path.join(ROOT, 'dist/src/cli/bin.js')));
const WITH_DOCKER = !flag('--no-docker');
// run-all.sh sets BENCH_RESULTS_DIR: the raw numbers and every command's output go there
const RESULTS_DIR = process.env.BENCH_RESULTS_DIR;
const BERTH_PARALLEL = opt('--berth-parallel', undefined); // also time berth with COMPOSE_PARALLEL_LIMIT=N
const JSON_OUT = opt('--json', RESULTS_DIR ? path.join(RESULTS_DIR, 'compose-up.json') : undefined);
const IMAGE = 'berth-demo/busybox:latest';
const CHANGES = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["sh"]'];
const STEPS = ['up -d (cold)', 'up -d (no change)', 'up -d (1 env changed)', 'down -v'];
if (process.getuid?.() !== 0) throw new Error('run as root (containers)');
if (!fs.existsSync(BIN)) throw new Error(`${BIN} missing: run \`npm run build\` first`);

fs.mkdirSync('/tmp/bt', { recursive: true });
const WORK = fs.mkdtempSync('/tmp/bt/bench-compose-');
const BERTH_ROOT = path.join(WORK, 'root');
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)} load ${load1()}]`, ...a);
const cleanups = [];
// Ctrl+C reaches the running command too (same process group); the bench then stops at the
// next step and still runs its cleanup (down -v, engine stop, dockerd stop) instead of dying
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { interrupted = true; });

/** Writes a stack's compose file; returns { dir, project, file, services }. */
function writeStack(name) {
  const dir = path.join(WORK, 'stacks', name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'compose.yaml');
  const project = `bcu${name}`;
  if (name === 'demo') {
    let y = fs.readFileSync(path.join(ROOT, 'examples/demo/compose.yaml'), 'utf8');
    const web = '  web:\n    <<: *busybox\n';
    if (!y.includes(web) || !y.includes('127.0.0.1:8080:80')) throw new Error('examples/demo/compose.yaml changed shape: adjust writeStack');
    y = y.replace(web, `${web}    environment:\n      CHANGE: "\${BENCH_CHANGE:-0}"\n`).replace('127.0.0.1:8080:80', '127.0.0.1:18080:80');
    y = y.replace(/^name: .*$/m, ''); // the project name comes from -p (docker-compose 1.29 has no top-level name)
    fs.writeFileSync(file, y);
    return { dir, project, file, services: 4 };
  }
  const m = /^(flat|chain)(\d+)$/.exec(name);
  if (!m) throw new Error(`unknown stack ${name}`);
  const n = Number(m[2]);
  const changed = Math.floor(n / 2);
  const lines = ['services:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  s${i}:`, `    image: ${IMAGE}`, '    init: true', '    command: ["sleep", "2147483647"]', '    environment:', `      INDEX: "${i}"`);
    if (i === changed) lines.push('      CHANGE: "${BENCH_CHANGE:-0}"');
    if (m[1] === 'flat') lines.push('    ports:', `      - "127.0.0.1:${18100 + i}:80"`);
    if (m[1] === 'chain' && i > 0) lines.push('    depends_on:', `      - s${i - 1}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, project, file, services: n };
}

function tools(dockerEnv) {
  const berthEnv = { ...process.env, BERTH_ROOT };
  const berth = (name, extra) => ({
    name,
    run: (st, a, change) => timed(process.execPath, [BIN, '-p', st.project, '-f', st.file, ...a], { cwd: st.dir, env: { ...berthEnv, ...extra, BENCH_CHANGE: String(change) } }),
    count: (st) => execFileSync(process.execPath, [BIN, '-p', st.project, '-f', st.file, 'ps', '-a', '-q'], { cwd: st.dir, env: berthEnv }).toString().split('\n').filter(Boolean).length,
  });
  const list = [berth('berth', {})];
  // berth's executor runs 8 engine steps at once; docker-compose 1.29 runs up to 64
  if (BERTH_PARALLEL) list.push(berth(`berth -j${BERTH_PARALLEL}`, { COMPOSE_PARALLEL_LIMIT: String(BERTH_PARALLEL) }));
  if (dockerEnv) {
    const env = { ...process.env, ...dockerEnv.env };
    list.push({
      name: 'docker-compose',
      run: (st, a, change) => timed('docker-compose', ['-p', st.project, '-f', st.file, ...a], { cwd: st.dir, env: { ...env, BENCH_CHANGE: String(change) } }),
      count: (st) => dockerEnv.docker(['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${st.project}`]).split('\n').filter(Boolean).length,
    });
  }
  return list;
}

/** One cycle: the four steps; returns ms per step and the outputs (kept in the log). */
function cycle(tool, st, round, out) {
  const ms = [];
  const step = (i, a, change) => {
    if (interrupted) throw new Error('interrupted');
    const r = tool.run(st, a, change);
    ms[i] = r.ms;
    fs.appendFileSync(out, `\n### ${tool.name} ${st.project} round ${round}: ${STEPS[i]} (${r.ms.toFixed(0)} ms)\n${r.out}`);
  };
  step(0, ['up', '-d'], 0);
  const n = tool.count(st);
  if (n !== st.services) throw new Error(`${tool.name} ${st.project}: ${n} containers after up, expected ${st.services}`);
  step(1, ['up', '-d'], 0);
  step(2, ['up', '-d'], round + 1);
  step(3, ['down', '-v'], round + 1);
  const left = tool.count(st);
  if (left !== 0) throw new Error(`${tool.name} ${st.project}: ${left} containers left after down -v`);
  return ms;
}

/** Kernel objects named after this BERTH_ROOT still present (after the engine stopped). */
function berthLeftovers() {
  const id = execFileSync(process.execPath, ['-e', `process.stdout.write(require('crypto').createHash('sha256').update(${JSON.stringify(BERTH_ROOT)}).digest('hex').slice(0,6))`]).toString();
  const grep = (cmd) => (spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.includes(id));
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(` ${BERTH_ROOT} `) || l.includes(`${BERTH_ROOT}/`));
  return [...grep('ip -o link'), ...grep('ip netns list'), ...grep('iptables-save'), ...mounts.map((l) => `mount: ${l.split(' ')[4]}`)];
}

async function main() {
  const meta = { date: new Date().toISOString(), host: os.hostname(), cpus: os.cpus().length, node: process.version, rounds: ROUNDS, loadStart: load1() };
  const tarball = path.join(WORK, 'busybox.tar');
  execFileSync('sh', [path.join(ROOT, 'scripts/busybox-rootfs.sh'), tarball]);
  const berthEnv = { ...process.env, BERTH_ROOT };
  cleanups.push(() => {
    spawnSync(process.execPath, [BIN, 'engine', 'stop'], { env: berthEnv, stdio: 'ignore' });
    const left = berthLeftovers();
    // reported, then swept with the rest of WORK below
    if (left.length) log(`after \`berth engine stop\` these are left (the bench removes them):\n${left.join('\n')}`);
  });
  execFileSync(process.execPath, [BIN, 'image', 'import', ...CHANGES.flatMap((c) => ['--change', c]), tarball, IMAGE], { env: berthEnv });

  let dockerEnv;
  if (WITH_DOCKER) {
    ensurePeerPackages(log);
    const v2 = composeV2Candidate();
    meta.composeV2Candidate = v2 ?? null;
    meta.peer = peerVersions();
    try {
      dockerEnv = await startDockerd({ work: path.join(WORK, 'docker'), iptables: flag('--docker-iptables'), log });
      cleanups.unshift(() => dockerEnv.stop());
      dockerImport(dockerEnv.docker, tarball, IMAGE, CHANGES);
      meta.dockerIptables = flag('--docker-iptables');
    } catch (e) {
      log(`Docker Engine could not run here, measuring berth alone: ${e.message}`);
      meta.dockerError = String(e.message).slice(0, 2000);
      dockerEnv = undefined;
    }
  }
  const ts = tools(dockerEnv);
  const stacks = STACKS.map(writeStack);
  const out = path.join(WORK, 'commands.log');

  // warm-up (not measured): berth's on-demand engine start, page cache, both CLIs' imports
  for (const t of ts) {
    const st = stacks[0];
    for (const [a, c] of [[['up', '-d'], 0], [['down', '-v'], 0]]) t.run(st, a, c);
  }

  const results = {};
  for (const st of stacks) {
    const loads = [load1()];
    results[st.project] = Object.fromEntries(ts.map((t) => [t.name, STEPS.map(() => [])]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ts : [...ts].reverse();
      for (const t of order) {
        const ms = cycle(t, st, r, out);
        ms.forEach((x, i) => results[st.project][t.name][i].push(x));
        log(`${st.project} round ${r + 1}/${ROUNDS} ${t.name}: ${ms.map((x) => x.toFixed(0)).join(' / ')} ms`);
      }
      loads.push(load1());
    }
    results[st.project].load = loads;
  }
  meta.loadEnd = load1();

  // the table
  const f = (s) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  console.log(`\n${meta.date}, ${meta.cpus} CPUs, node ${meta.node}, ${ROUNDS} rounds interleaved; load ${meta.loadStart} at start, ${meta.loadEnd} at end`);
  if (meta.peer) console.log(`peer: ${meta.peer.docker}, docker-compose ${meta.peer.compose}${meta.dockerIptables ? '' : ' (dockerd --iptables=false)'}; Compose v2 package candidate: ${meta.composeV2Candidate ?? 'none'}`);
  if (meta.dockerError) console.log(`Docker Engine failed: ${meta.dockerError.split('\n')[0]}`);
  console.log('\nms per command (whole process): median (min–max)\n');
  const berths = ts.filter((t) => t.name !== 'docker-compose').map((t) => t.name);
  const cols = [...berths, ...(dockerEnv ? ['docker-compose', ...berths.map((b) => `${b} / docker-compose`)] : [])];
  console.log(`| stack | step | ${cols.join(' | ')} |`);
  console.log(`|---|---|${cols.map(() => '---|').join('')}`);
  const json = { meta, stacks: {} };
  for (const st of stacks) {
    const res = results[st.project];
    json.stacks[st.project] = { services: st.services, load: res.load, steps: {} };
    STEPS.forEach((name, i) => {
      const row = [`${st.project.slice(3)} (${st.services})`, name];
      json.stacks[st.project].steps[name] = Object.fromEntries(ts.map((t) => [t.name, res[t.name][i]]));
      for (const b of berths) row.push(f(summary(res[b][i])));
      if (dockerEnv) {
        const d = summary(res['docker-compose'][i]);
        row.push(f(d), ...berths.map((b) => (summary(res[b][i]).median / d.median).toFixed(2)));
      }
      console.log(`| ${row.join(' | ')} |`);
    });
    console.log(`|  | load during the rounds | ${res.load.join(', ')} |${cols.slice(1).map(() => '  |').join('')}`);
  }
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, `${JSON.stringify(json, null, 2)}\n`);
  if (JSON_OUT) fs.copyFileSync(out, JSON_OUT.replace(/\.json$/, '') + '.commands.log');
}

try {
  await main();
} finally {
  // whatever a failed round left: down -v in both (errors ignored), then the engines
  for (const name of STACKS) {
    const dir = path.join(WORK, 'stacks', name);
    const file = path.join(dir, 'compose.yaml');
    if (!fs.existsSync(file)) continue;
    spawnSync(process.execPath, [BIN, '-p', `bcu${name}`, '-f', file, 'down', '-v'], { cwd: dir, env: { ...process.env, BERTH_ROOT }, stdio: 'ignore' });
    const sock = path.join(WORK, 'docker/docker.sock');
    if (fs.existsSync(sock)) spawnSync('docker-compose', ['-p', `bcu${name}`, '-f', file, 'down', '-v'], { cwd: dir, env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, stdio: 'ignore' });
  }
  for (const c of cleanups) await c();
  spawnSync('sh', ['-c', `grep ' ${WORK}/' /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l`]);
  fs.rmSync(WORK, { recursive: true, force: true });
}
