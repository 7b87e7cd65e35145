/**
 * Published-port claims of sandboxes that are still starting.
 *
 * A sandbox's ports are claimed (in its record, under the manager's lock) by setupSandbox,
 * before the container's first process exists. A holder whose netns runs no process is
 * normally released (a stopped container whose runtime did not tear it down yet, the old
 * container of a recreate), but that rule must not release a container that has not STARTED
 * yet: two replicas started in parallel would otherwise both get the port (FINDINGS #18),
 * the second setup taking the first one's still empty netns for a stopped container.
 *
 * So a claim remembers who made it (engine pid), when, and whether a process was seen in the
 * netns since then. Until that is seen, the claim stands on its own while its claimer lives,
 * for at most START_GRACE_MS (a start that failed without a teardown cannot block a port for
 * longer). A claimer that died (engine crash or restart) cannot finish the start, so its
 * unseen claim falls back to the netns rule.
 */
export interface PortClaim {
  /** pid of the engine process whose setupSandbox made the claim. */
  pid: number;
  /** ms since the epoch. */
  at: number;
  /** A process was seen in the sandbox's netns since the claim: the container has started. */
  running?: boolean;
}

export const START_GRACE_MS = 60_000;

/** True while a claim holds although its netns runs nothing: the container is starting. */
export function claimStarting(claim: PortClaim | undefined, now: number, alive: (pid: number) => boolean): boolean {
  if (!claim || claim.running) return false;
  if (now - claim.at > START_GRACE_MS || now < claim.at - 5_000) return false;
  return alive(claim.pid);
}

export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
