/**
 * The real-engine half of watch-latency.mjs: a busybox stack on a fresh BERTH_ROOT, watched
 * by berth's watch use case in this process; the edited file is read through
 * /proc/<pid>/root of the container (what a process inside sees), so the number includes
 * the watcher, the quiet period, the engine round trip and the write into the rootfs.
 * Then a one-file rebuild rule, timed from the write to the new file inside the new
 * container, with the build cache warm.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The busybox rootfs tarball the tests use (built here the same way when missing). */
function busyboxTarball() {
  const cache = path.join(os.tmpdir(), 'berth-test-cache');
  const tarball = path.join(cache, 'busybox-rootfs.tar');
  if (fs.existsSync(tarball)) return tarball;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bb-'));
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) fs.mkdirSync(path.join(dir, d));
  const bb = execFileSync('sh', ['-c', 'command -v busybox']).toString().trim();
  fs.copyFileSync(bb, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const a of execFileSync(bb, ['--list-full']).toString().trim().split('\n')) {
    const t = path.join(dir, a);
    if (fs.existsSync(t)) continue;
    fs.mkdirSync(path.dirname(t), { recursive: true });
    fs.symlinkSync('/bin/busybox', t);
  }
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\n');
  const out = path.join(os.tmpdir(), `bench-busybox-${process.pid}.tar`);
  execFileSync('tar', ['-C', dir, '--numeric-owner', '--owner=0', '--group=0', '-cf', out, '.']);
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

const COMPOSE = `
name: wbench
services:
  web:
    image: busybox:latest
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
  app:
    build: ./app
    command: ["sleep", "3600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./app/version.txt
          action: rebuild
`;

export async function realBench({ ROOT, EDITS, QUIET, poll, runEdits, report, sleep }) {
  if (process.getuid?.() !== 0) throw new Error('the real-engine bench needs root (the engine does)');
  const imp = (p) => import(path.join(ROOT, 'dist', p));
  const [{ createAppDeps }, { runWatch }, { nullSink }, { down }, { stopEngine }] = await Promise.all([
    imp('src/app/root.js'),
    imp('src/app/watch/index.js'),
    imp('src/progress/events.js'),
    imp('src/app/down.js'),
    imp('src/app/engine.js'),
  ]);
  fs.mkdirSync('/tmp/bt', { recursive: true });
  const root = fs.mkdtempSync('/tmp/bt/wbench-');
  const dir = path.join(root, 'proj');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'app'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'compose.yaml'), COMPOSE);
  fs.writeFileSync(path.join(dir, 'app/Dockerfile'), 'FROM busybox:latest\nCOPY version.txt /version.txt\n');
  fs.writeFileSync(path.join(dir, 'app/version.txt'), 'v0\n');
  const env = { ...process.env, BERTH_ROOT: root };
  const lines = [];
  const deps = createAppDeps({
    env,
    cwd: dir,
    stdout: { write: (t) => void lines.push(t) },
    stderr: { write: (t) => void lines.push(t) },
    sink: nullSink(),
    color: false,
    version: '0.0.0-bench',
  });
  const engine = await deps.connect();
  const results = [];
  const ac = new AbortController();
  let watching;
  try {
    await engine.imageImport(fs.createReadStream(busyboxTarball()), 'busybox:latest', [`ENV PATH=${DEFAULT_PATH}`, 'CMD ["sh"]']);
    let ready;
    const isReady = new Promise((r) => (ready = r));
    watching = runWatch({ deps, g: {}, engine, signal: ac.signal }, { quietMs: QUIET, poll, onReady: ready });
    watching.catch((e) => {
      console.error(lines.join(''));
      console.error(e);
      ready();
    });
    await isReady;
    const pidOf = async (service) => {
      const [c] = (await engine.containerList({ filters: { label: ['com.docker.compose.project=wbench', `com.docker.compose.service=${service}`] } })).filter((x) => x.state === 'running');
      return c ? (await engine.containerInspect(c.id)).state.pid : undefined;
    };
    const webPid = await pidOf('web');
    const times = await runEdits(path.join(dir, 'src/index.html'), () => fs.readFileSync(`/proc/${webPid}/root/app/index.html`, 'utf8'));
    if (process.env.BENCH_DEBUG) console.log(lines.filter((l) => l.includes("synced")).slice(-100).map((l) => l.trim().replace(/^web: synced 1 file into wbench-web-1 /, "")).join(" | "));
    results.push(report(`real engine (${(await engine.info()).runtime}), sync, quiet ${QUIET} ms${poll ? ', polling' : ''}`, times));

    // one-file rebuild, warm cache: write → the new content inside the new container
    const rebuilds = [];
    for (let i = 1; i <= 5; i++) {
      const content = `v${i} ${Math.random()}\n`;
      const before = await pidOf('app');
      const t0 = performance.now();
      fs.writeFileSync(path.join(dir, 'app/version.txt'), content);
      for (;;) {
        const pid = await pidOf('app').catch(() => undefined);
        let now;
        try {
          now = pid && pid !== before ? fs.readFileSync(`/proc/${pid}/root/version.txt`, 'utf8') : undefined;
        } catch {
          now = undefined;
        }
        if (now === content) break;
        if (performance.now() - t0 > 60_000) throw new Error(`rebuild ${i} not visible after 60 s\n${lines.join('')}`);
        await sleep(5);
      }
      rebuilds.push(performance.now() - t0);
      await sleep(200);
    }
    if (process.env.BENCH_DEBUG) console.log(lines.join("").split("\n").filter((l) => /app:/.test(l)).slice(-12).join("\n"));
    results.push(report('real engine, one-file rebuild (warm cache) + recreate', rebuilds));
  } finally {
    ac.abort();
    await watching?.catch(() => undefined);
    await down(deps, {}, { volumes: true, removeOrphans: true }).catch((e) => console.error('down:', e));
    for (const img of await engine.imageList().catch(() => [])) await engine.imageRemove(img.id, { force: true }).catch(() => undefined);
    await stopEngine({ root, env });
    fs.rmSync(root, { recursive: true, force: true });
  }
  return results.join('\n');
}
