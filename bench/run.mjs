#!/usr/bin/env node
/**
 * Container start-to-exit cost: `berth container run --rm IMAGE true` beside
 * `docker run --rm IMAGE true` (Docker Engine from Debian's docker.io) and beside a bare
 * `crun run` / `runc run` of a bundle holding the same root filesystem, in one run,
 * interleaved round by round (the machine is shared and noisy). Whole command, wall clock,
 * spawned from Node; median, min, max reported as a Markdown table.
 *
 *   npm run build && sudo node bench/run.mjs [--rounds 20] [--no-docker] [--bin dist/src/cli/bin.js]
 *
 * Every container runs with --network none (bare runtimes make an empty netns too), so the
 * rows compare the engines, not their network setups; berth with its default bridge network
 * is an extra row. Docker: the script installs docker.io with apt-get when dockerd is
 * missing, and starts its OWN dockerd on private paths (data root, exec root, socket under
 * the bench folder) with --iptables=false --bridge=none, so it touches neither the host's
 * firewall nor a Docker already running; it stops that dockerd at the end.
 * crun on a hybrid-cgroup host runs the way berth runs it there (a private mount namespace
 * without the cgroup2 mount, engine-lab.md §0).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (n) => args.includes(n);
const opt = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const ROUNDS = Number(opt('--rounds', 20));
const BIN = path.resolve(opt('--bin', path.join(ROOT, 'dist/src/cli/bin.js')));
const DOCKER = !flag('--no-docker');
if (process.getuid?.() !== 0) throw new Error('run as root (containers)');
if (!fs.existsSync(BIN)) throw new Error(`${BIN} missing: run \`npm run build\` first`);

fs.mkdirSync('/tmp/bt', { recursive: true });
const WORK = fs.mkdtempSync('/tmp/bt/bench-run-');
const BERTH_ROOT = path.join(WORK, 'root');
const env = { ...process.env, BERTH_ROOT };
const sh = (cmd, a, o = {}) => execFileSync(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'], ...o }).toString();
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const cleanups = [];

function timed(cmd, a, o = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'], ...o });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

async function main() {
  // the image: Debian's busybox-static as a root filesystem tarball
  const tarball = path.join(WORK, 'busybox.tar');
  sh('sh', [path.join(ROOT, 'scripts/busybox-rootfs.sh'), tarball]);
  const PATHENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  sh(process.execPath, [BIN, 'image', 'import', '--change', `ENV ${PATHENV}`, '--change', 'CMD ["sh"]', tarball, 'bench/busybox:1'], { env });
  cleanups.push(() => spawnSync(process.execPath, [BIN, 'engine', 'stop'], { env }));

  // the bare bundle: the same files, a spec from `runc spec` running `true`
  const bundle = path.join(WORK, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  sh('tar', ['-C', path.join(bundle, 'rootfs'), '-xf', tarball]);
  sh('runc', ['spec'], { cwd: bundle });
  const spec = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['true'];
  spec.process.env = [PATHENV];
  spec.root = { path: path.join(bundle, 'rootfs'), readonly: false };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
  const unified = '/sys/fs/cgroup/unified/cgroup.controllers';
  const hybrid = fs.existsSync(unified) && fs.readFileSync(unified, 'utf8').trim() !== '';
  const rtRoot = (n) => path.join(WORK, n);
  const crunCmd = hybrid
    ? ['unshare', ['-m', '--propagation', 'private', 'sh', '-c', `umount -l /sys/fs/cgroup/unified; exec crun --root ${rtRoot('crun')} run --bundle ${bundle} bench-crun`]]
    : ['crun', ['--root', rtRoot('crun'), 'run', '--bundle', bundle, 'bench-crun']];

  const variants = [
    { name: 'berth run --rm --network none', run: () => timed(process.execPath, [BIN, 'container', 'run', '--rm', '--network', 'none', 'bench/busybox:1', 'true'], { env }) },
    { name: 'berth run --rm (default bridge)', run: () => timed(process.execPath, [BIN, 'container', 'run', '--rm', 'bench/busybox:1', 'true'], { env }) },
  ];
  if (has('crun')) variants.push({ name: `crun run${hybrid ? ' (private mount ns)' : ''}`, run: () => timed(crunCmd[0], crunCmd[1]) });
  if (has('runc')) variants.push({ name: 'runc run', run: () => timed('runc', ['--root', rtRoot('runc'), 'run', '--bundle', bundle, 'bench-runc']) });

  if (DOCKER) {
    if (!has('dockerd')) {
      console.error('installing docker.io (apt-get)...');
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'docker.io'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    }
    const sock = path.join(WORK, 'docker.sock');
    const d = spawn('dockerd', ['--data-root', path.join(WORK, 'docker'), '--exec-root', path.join(WORK, 'dexec'), '--pidfile', path.join(WORK, 'docker.pid'), '-H', `unix://${sock}`, '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none'], { stdio: ['ignore', fs.openSync(path.join(WORK, 'dockerd.log'), 'w'), 'inherit'] });
    cleanups.unshift(async () => {
      d.kill('SIGTERM');
      await new Promise((r) => d.once('exit', r));
      spawnSync('sh', ['-c', `grep ' ${WORK}/' /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l`]);
    });
    const dk = (...a) => ['docker', ['-H', `unix://${sock}`, ...a]];
    for (let i = 0; i < 100 && spawnSync(...dk('info')).status !== 0; i++) await new Promise((r) => setTimeout(r, 200));
    sh(dk('import', tarball, 'bench/busybox:1')[0], dk('import', tarball, 'bench/busybox:1')[1]);
    variants.push({ name: 'docker run --rm --network none', run: () => timed(...dk('run', '--rm', '--network', 'none', 'bench/busybox:1', 'true')) });
  }

  for (const v of variants) v.run(); // warm-up: caches, the berth engine's on-demand start
  const times = new Map(variants.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) for (const v of variants) times.get(v.name).push(v.run());

  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const base = med(times.get(variants[0].name));
  console.log(`\n${ROUNDS} rounds, interleaved; ms per command (whole process, spawned from Node)\n`);
  console.log('| command | median | min | max | vs berth --network none |');
  console.log('|---|---|---|---|---|');
  for (const v of variants) {
    const xs = times.get(v.name);
    console.log(`| ${v.name} | ${med(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} | ${((med(xs) / base) * 100).toFixed(0)}% |`);
  }
}

try {
  await main();
} finally {
  for (const c of cleanups) await c();
  fs.rmSync(WORK, { recursive: true, force: true });
}
