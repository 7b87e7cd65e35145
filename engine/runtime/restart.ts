/** Restart policies and their backoff. Pure. */
import type { RestartPolicy } from '../api/types.js';

export const BACKOFF_START_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
/** A container that stayed up this long resets the backoff, as Docker does. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number, restartCount: number, manuallyStopped: boolean): boolean {
  if (manuallyStopped || !policy) return false;
  switch (policy.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (!policy.maximumRetryCount || restartCount < policy.maximumRetryCount);
    default:
      return false;
  }
}

/** The next delay: 100 ms doubling up to a minute; back to the start after a long enough run. */
export function nextBackoff(previousMs: number, ranForMs: number): number {
  if (ranForMs >= BACKOFF_RESET_AFTER_MS || previousMs <= 0) return BACKOFF_START_MS;
  return Math.min(previousMs * 2, BACKOFF_MAX_MS);
}
