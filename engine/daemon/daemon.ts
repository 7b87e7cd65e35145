/**
 * The engine daemon's lifecycle, apart from process globals so it can be driven by tests:
 * lock → parts up (volumes, networks, images, containers) → socket → serve → on stop: close
 * the socket, let the parts stop their timers (containers keep running under conmon), release.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { SOCKET_NAME } from '../api/protocol.js';
import type { Engine } from '../api/types.js';
import { EventBus } from '../common/events.js';
import { naming } from '../common/naming.js';
import type { EngineContext } from '../common/contracts.js';
import { acquireLock, type Lock } from './lock.js';
import { LocalEngine } from './local-engine.js';
import { composeParts, loadFactories, type PartFactories } from './parts.js';
import { createEngineServer } from './server.js';

export interface DaemonOptions {
  root: string;
  version: string;
  log: (msg: string) => void;
  /** Defaults to the parts found in engine/{images,network,volumes,runtime}. */
  factories?: PartFactories;
  /** For tests: serve this engine instead of composing a LocalEngine. */
  engine?: Engine & { init?(): Promise<void>; close?(): Promise<void> };
}

export interface Daemon {
  socketPath: string;
  /** Resolves once stopped (after stop() or a shutdown request). */
  stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { root, log } = opts;
  fs.mkdirSync(root, { recursive: true, mode: 0o711 });
  const lock: Lock = await acquireLock(root);
  const socketPath = path.join(root, SOCKET_NAME);
  let server: http.Server | undefined;
  let engine: DaemonOptions['engine'];
  try {
    if (opts.engine) engine = opts.engine;
    else {
      const ctx: EngineContext = { naming: naming(root), events: new EventBus(), log };
      const parts = composeParts(ctx, opts.factories ?? (await loadFactories(log)));
      if (parts.missing.length) log(`parts not available in this build: ${parts.missing.join(', ')}`);
      engine = new LocalEngine(ctx, parts, { version: opts.version });
    }
    await engine.init?.();

    let stopping: Promise<void> | undefined;
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => (resolveStopped = r));
    const stop = (reason: string): Promise<void> => {
      stopping ??= (async () => {
        log(`stopping (${reason})`);
        // Stop accepting, then cut long streams (events, logs -f, wait) so close() can finish.
        await new Promise<void>((r) => {
          server!.close(() => r());
          server!.closeAllConnections();
        });
        await engine!.close?.().catch((e: unknown) => log(`close: ${String(e)}`));
        fs.rmSync(socketPath, { force: true });
        lock.release();
        log('stopped; containers keep running under conmon');
        resolveStopped();
      })();
      return stopping;
    };

    server = createEngineServer(engine, { log, onShutdown: () => void stop('engine stop request') });
    // We hold the lock, so a socket file here is a dead engine's: replace it.
    fs.rmSync(socketPath, { force: true });
    // Root only from the first moment: the umask covers the window before chmod.
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(socketPath, () => {
          server!.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    fs.chmodSync(socketPath, 0o600);
    log(`listening on ${socketPath} (pid ${process.pid})`);
    return { socketPath, stopped, stop };
  } catch (e) {
    server?.close();
    await engine?.close?.().catch(() => {});
    lock.release();
    throw e;
  }
}
