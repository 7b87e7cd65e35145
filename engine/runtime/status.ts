/** Docker's human status strings ("Up 3 seconds (healthy)", "Exited (0) 2 minutes ago"). Pure. */
import type { ContainerState } from '../api/types.js';

/** Docker's HumanDuration (go-units). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

export function statusString(state: ContainerState, now: number): string {
  const since = (t: string) => humanDuration(Math.max(0, now - Date.parse(t)));
  switch (state.status) {
    case 'running':
    case 'paused': {
      let s = `Up ${since(state.startedAt)}`;
      if (state.paused) s += ' (Paused)';
      const h = state.health?.status;
      if (h === 'starting') s += ' (health: starting)';
      else if (h === 'healthy' || h === 'unhealthy') s += ` (${h})`;
      return s;
    }
    case 'restarting':
      return `Restarting (${state.exitCode}) ${since(state.finishedAt)} ago`;
    case 'exited':
      return `Exited (${state.exitCode}) ${since(state.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    default:
      return 'Created';
  }
}
