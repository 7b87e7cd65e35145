/**
 * Healthchecks run by the engine: a probe (exec in the container) every interval, faster
 * (start_interval) during the start period, where failures do not count yet. Status goes
 * starting → healthy / unhealthy after `retries` failures in a row; the last 5 results are
 * kept for inspect.
 */
import type { ContainerCreateRequest, HealthLogEntry, HealthStatus, ImageRunConfig } from '../api/types.js';

export interface HealthConfig {
  cmd: string[];
  interval: number;
  timeout: number;
  retries: number;
  startPeriod: number;
  startInterval: number;
}

export const HEALTH_LOG_KEEP = 5;
export const HEALTH_OUTPUT_MAX = 4096;

/** The request's healthcheck over the image's (durations in the image are nanoseconds). undefined = none. */
export function healthConfig(req: ContainerCreateRequest, image: ImageRunConfig): HealthConfig | undefined {
  const ih = image.Healthcheck;
  const rh = req.healthcheck;
  const test = rh?.test?.length ? rh.test : ih?.Test;
  if (!test?.length || test[0] === 'NONE') return undefined;
  let cmd: string[];
  if (test[0] === 'CMD') cmd = test.slice(1);
  else if (test[0] === 'CMD-SHELL') cmd = ['/bin/sh', '-c', test.slice(1).join(' ')];
  else cmd = ['/bin/sh', '-c', test.join(' ')];
  if (!cmd.length) return undefined;
  const ns = (v: number | undefined) => (v ? Math.round(v / 1e6) : undefined);
  const pick = (a: number | undefined, b: number | undefined, d: number) => (a && a > 0 ? a : b && b > 0 ? b : d);
  return {
    cmd,
    interval: pick(rh?.interval, ns(ih?.Interval), 30_000),
    timeout: pick(rh?.timeout, ns(ih?.Timeout), 30_000),
    retries: pick(rh?.retries, ih?.Retries, 3),
    startPeriod: pick(rh?.startPeriod, ns(ih?.StartPeriod), 0),
    startInterval: pick(rh?.startInterval, ns(ih?.StartInterval), 5_000),
  };
}

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  log: HealthLogEntry[];
}

/** Applies one probe result. Pure: returns the new state. */
export function applyProbe(s: HealthState, entry: HealthLogEntry, cfg: HealthConfig, inStartPeriod: boolean): HealthState {
  const log = [...s.log, entry].slice(-HEALTH_LOG_KEEP);
  if (entry.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (inStartPeriod) return { status: s.status, failingStreak: s.failingStreak, log };
  const streak = s.failingStreak + 1;
  return { status: streak >= cfg.retries ? 'unhealthy' : s.status, failingStreak: streak, log };
}

/** null = no probe this time (container paused). */
export type Probe = (cmd: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string } | null>;

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly cfg: HealthConfig,
    private readonly startedAt: number,
    private readonly probe: Probe,
    private readonly get: () => HealthState,
    private readonly set: (s: HealthState, changed: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private inStartPeriod(): boolean {
    return this.now() - this.startedAt < this.cfg.startPeriod;
  }

  private schedule(): void {
    if (this.stopped) return;
    const s = this.get();
    const delay = this.inStartPeriod() && s.status === 'starting' ? this.cfg.startInterval : this.cfg.interval;
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const start = new Date(this.now()).toISOString();
    let res: { exitCode: number; output: string } | null;
    try {
      res = await this.probe(this.cfg.cmd, this.cfg.timeout);
    } catch (e) {
      res = { exitCode: -1, output: (e as Error).message };
    }
    if (this.stopped) return;
    if (!res) {
      this.schedule();
      return;
    }
    const entry: HealthLogEntry = { start, end: new Date(this.now()).toISOString(), exitCode: res.exitCode, output: res.output.slice(0, HEALTH_OUTPUT_MAX) };
    const before = this.get();
    const after = applyProbe(before, entry, this.cfg, this.inStartPeriod());
    this.set(after, after.status !== before.status);
    this.schedule();
  }
}
