/**
 * The peer berth is measured against: Docker Engine (Debian's docker.io) driven by
 * docker-compose (Debian's v1.29, the only Compose Debian bookworm packages: neither
 * docker-compose-plugin nor docker-compose-v2 has a candidate there; `composeV2Candidate()`
 * checks again on the machine it runs on).
 *
 * Everything here is for benches only, never for tests. The bench installs the packages,
 * starts a PRIVATE dockerd (its own data root, exec root, pid file and socket under the
 * bench's work folder, so a Docker already on the host is neither used nor disturbed),
 * imports the same busybox root filesystem berth imports (no registry is reachable), and
 * stops only the dockerd it started.
 *
 * The private dockerd runs with --iptables=false by default: a Docker with iptables sets the
 * host's FORWARD policy to DROP and leaves its chains behind, a host-wide change on a machine
 * other people's tests share. Published ports then go through docker-proxy (Docker's
 * default userland proxy, which it runs for 127.0.0.1 ports anyway). `iptables: true` gives
 * the stock setup, for a machine of your own.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const DOCKER = '/usr/bin/docker'; // the docker.io client; not whatever else is first on PATH
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** apt-get installs docker.io and docker-compose when missing. */
export function ensurePeerPackages(log = console.error) {
  const missing = [];
  if (!has('dockerd') || !fs.existsSync(DOCKER)) missing.push('docker.io');
  if (!has('docker-compose')) missing.push('docker-compose');
  if (missing.length === 0) return;
  log(`installing ${missing.join(' ')} (apt-get)...`);
  execFileSync('apt-get', ['install', '-y', ...missing], { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The candidate version of a Compose v2 package in this machine's apt sources, if any. */
export function composeV2Candidate() {
  const r = spawnSync('apt-cache', ['policy', 'docker-compose-plugin', 'docker-compose-v2'], { encoding: 'utf8' });
  const m = /Candidate: (?!\(none\))(\S+)/.exec(r.stdout ?? '');
  return m ? m[1] : undefined;
}

export function peerVersions() {
  const v = (cmd, a) => (spawnSync(cmd, a, { encoding: 'utf8' }).stdout ?? '').split('\n')[0].trim();
  return { docker: v(DOCKER, ['--version']), compose: v('docker-compose', ['version', '--short']) };
}

/**
 * Starts a private dockerd under `work` and waits for its socket.
 * Returns { host, env, docker(args), stop() }; stop() ends that one process and unmounts
 * what it left mounted under `work`.
 */
export async function startDockerd({ work, pool = '10.231.0.0/16', iptables = false, log = console.error }) {
  fs.mkdirSync(work, { recursive: true });
  const sock = path.join(work, 'docker.sock');
  const host = `unix://${sock}`;
  const args = [
    '--data-root', path.join(work, 'data'), '--exec-root', path.join(work, 'exec'),
    '--pidfile', path.join(work, 'docker.pid'), '-H', host,
    // compose networks come from this pool: clear of berth's 10.213/16, Docker's 172.17/16
    // default and the tests' fake ranges
    '--default-address-pool', `base=${pool},size=24`,
    '--bridge=none',
  ];
  if (!iptables) args.push('--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false');
  const logFile = path.join(work, 'dockerd.log');
  // what to quote when dockerd fails: its error lines, else its last lines
  const why = () => {
    const lines = fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    const errs = lines.filter((l) => /level=(error|fatal)|^failed|Error/.test(l));
    return (errs.length ? errs : lines).slice(-5).join('\n');
  };
  const d = spawn('dockerd', args, { stdio: ['ignore', fs.openSync(logFile, 'w'), fs.openSync(logFile, 'a')] });
  let exited = false;
  const exit = new Promise((r) => d.once('exit', (code, sig) => { exited = true; r({ code, sig }); }));
  const docker = (a, opts = {}) => execFileSync(DOCKER, ['-H', host, ...a], { stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
  const stop = async () => {
    if (!exited) {
      d.kill('SIGTERM');
      const t = setTimeout(() => d.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(t);
    }
    // dockerd unmounts its own; a crash may leave some (deepest first)
    spawnSync('sh', ['-c', `grep ' ${work}/' /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l`]);
  };
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`dockerd exited at start (${logFile}):\n${why()}`);
    if (spawnSync(DOCKER, ['-H', host, 'info'], { stdio: 'ignore' }).status === 0) break;
    if (i > 150) {
      await stop();
      throw new Error(`dockerd did not answer in 30 s (${logFile}):\n${why()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`dockerd ${d.pid} on ${host}${iptables ? '' : ' (--iptables=false)'}`);
  return { pid: d.pid, host, env: { DOCKER_HOST: host }, docker, stop, logFile };
}

/** `docker import` of a root filesystem tarball with the same changes berth's import gets. */
export function dockerImport(dk, tarball, ref, changes) {
  dk(['import', ...changes.flatMap((c) => ['--change', c]), tarball, ref]);
}
