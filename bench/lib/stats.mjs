/** Small helpers shared by the benches: timing a whole process, median/min/max, load. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Runs a command to its end and returns the wall time in ms; throws with its stderr on failure. */
export function timed(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  return { ms, out: `${r.stdout}${r.stderr}` };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function summary(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** The 1-minute load average: the machine is shared, so every number goes out with it. */
export function load1() {
  return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
