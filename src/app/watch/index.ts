/**
 * The watch use cases:
 * - `watch(deps, g, o)`: `berth watch [SERVICE...]` — up (unless --no-up), then watch until
 *   Ctrl+C.
 * - `runWatch(ctx, o)`: the watch loop alone, for `berth up --watch` to call after its own up
 *   (pass `noUp: true`); resolves when `ctx.signal` aborts.
 * Recreates (rebuild rules, compose file edits) go through the orchestrator's `up` use case
 * with the freshly loaded project, so watch and up share one reconcile.
 */
import fs from 'node:fs';
import type { Engine } from '../../../engine/api/types.js';
import { DiagnosticError, formatDiagnostic } from '../../diag/diagnostic.js';
import type { AppDeps, GlobalOptions, Loaded } from '../context.js';
import { up } from '../up.js';
import { WatchSession, type WatchOptions } from './session.js';

export { WatchSession, DEFAULT_QUIET_MS, DEFAULT_REBUILD_THRESHOLD, type WatchDeps, type WatchOptions } from './session.js';

export interface WatchCommandOptions {
  services?: string[];
  noUp?: boolean;
  poll?: boolean;
  /** Quiet period in ms (default 20). */
  quietMs?: number;
  prune?: boolean;
  rebuildThreshold?: number;
  onReady?: WatchOptions['onReady'];
}

export interface RunWatchContext {
  deps: AppDeps;
  g: GlobalOptions;
  engine: Engine;
  signal: AbortSignal;
  /** Where the watch's lines go (default deps.stdout). */
  print?(line: string): void;
  /** The project as the caller (up --watch) just loaded it: the first load reuses it. */
  loaded?: Loaded;
}

function sourceOf(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Prints an error the way the CLI edge does, without ending the watch. */
export function printWatchError(write: (text: string) => void, e: unknown): void {
  if (e instanceof DiagnosticError) {
    for (const d of e.diagnostics) write(formatDiagnostic(d, sourceOf(d.file)) + '\n');
    return;
  }
  write(`berth: ${e instanceof Error ? e.message : String(e)}\n`);
}

export async function runWatch(ctx: RunWatchContext, o: WatchCommandOptions = {}): Promise<void> {
  const { deps, g } = ctx;
  const print = ctx.print ?? ((line: string) => deps.stdout.write(line + '\n'));
  let initial = ctx.loaded;
  const session = new WatchSession<Loaded>(
    {
      engine: ctx.engine,
      signal: ctx.signal,
      load: async () => {
        const l = initial ?? (await deps.load(g, undefined));
        initial = undefined;
        return l;
      },
      up: async (loaded, uo) => {
        // The project is the one the watch just loaded: up must not read the files again.
        const code = await up({ ...deps, load: async () => loaded }, g, { ...uo, detach: true });
        if (code !== 0) throw new Error(`up ended with exit code ${code}`);
      },
      print,
      printError: (e) => printWatchError((t) => deps.stderr.write(t), e),
    },
    { services: o.services, noUp: o.noUp, poll: o.poll, quietMs: o.quietMs, prune: o.prune, rebuildThreshold: o.rebuildThreshold, onReady: o.onReady },
  );
  await session.run();
}

/** `berth watch`: 0 after Ctrl+C. */
export async function watch(deps: AppDeps, g: GlobalOptions, o: WatchCommandOptions): Promise<number> {
  const engine = await deps.connect();
  const ac = new AbortController();
  const off = deps.onInterrupt(() => ac.abort());
  try {
    await runWatch({ deps, g, engine, signal: ac.signal }, o);
  } finally {
    off();
  }
  return 0;
}
