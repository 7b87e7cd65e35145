/** Signal names ↔ numbers (x86_64/arm64 Linux). */
import { EngineError } from '../api/types.js';

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
};

/** "TERM", "SIGTERM", "15", "RTMIN+3" → number. */
export function signalNumber(sig: string): number {
  const s = sig.trim().toUpperCase().replace(/^SIG/, '');
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return n;
  } else if (s in SIGNALS) return SIGNALS[s]!;
  else {
    const m = /^RTMIN(?:\+(\d+))?$/.exec(s) ?? /^RTMAX(?:-(\d+))?$/.exec(s);
    if (m) return s.startsWith('RTMIN') ? 34 + Number(m[1] ?? 0) : 64 - Number(m[1] ?? 0);
  }
  throw new EngineError('INVALID', `invalid signal: ${sig}`);
}
