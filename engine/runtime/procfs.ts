/** Small /proc readers: process liveness guarded against pid reuse by the start time. */
import fs from 'node:fs';

/** Field 22 of /proc/<pid>/stat (clock ticks since boot); undefined when gone or a zombie. */
export function procStartTime(pid: number): number | undefined {
  if (!pid || pid <= 0) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); field 22 is rest[19]
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
    return Number(rest[19]);
  } catch {
    return undefined;
  }
}

/** True when pid runs and (if given) started at `start`, so a reused pid is not mistaken for ours. */
export function isAlive(pid: number, start?: number): boolean {
  const s = procStartTime(pid);
  if (s === undefined) return false;
  return start === undefined || s === start;
}

export function readPidFile(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Hard/soft limits of this process, keyed by OCI name (RLIMIT_NOFILE...). */
export function hostRlimits(): Record<string, { soft: number; hard: number }> {
  const names: Record<string, string> = {
    'Max cpu time': 'RLIMIT_CPU', 'Max file size': 'RLIMIT_FSIZE', 'Max data size': 'RLIMIT_DATA', 'Max stack size': 'RLIMIT_STACK',
    'Max core file size': 'RLIMIT_CORE', 'Max resident set': 'RLIMIT_RSS', 'Max processes': 'RLIMIT_NPROC', 'Max open files': 'RLIMIT_NOFILE',
    'Max locked memory': 'RLIMIT_MEMLOCK', 'Max address space': 'RLIMIT_AS', 'Max file locks': 'RLIMIT_LOCKS', 'Max pending signals': 'RLIMIT_SIGPENDING',
    'Max msgqueue size': 'RLIMIT_MSGQUEUE', 'Max nice priority': 'RLIMIT_NICE', 'Max realtime priority': 'RLIMIT_RTPRIO', 'Max realtime timeout': 'RLIMIT_RTTIME',
  };
  const out: Record<string, { soft: number; hard: number }> = {};
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    const key = Object.keys(names).find((k) => line.startsWith(k));
    if (!key) continue;
    const [soft, hard] = line.slice(key.length).trim().split(/\s+/);
    const n = (v: string | undefined) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
    out[names[key]!] = { soft: n(soft), hard: n(hard) };
  }
  return out;
}

/** Capability names in this process's bounding set. */
export function boundingCapsMask(): string {
  try {
    const m = /CapBnd:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] ?? '0';
  } catch {
    return '0';
  }
}
