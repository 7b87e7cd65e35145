/**
 * The engine daemon's entry point (dist/engine/daemon/main.js). Started on demand by
 * `connectEngine` (src/app/engine.ts) or by `berth engine start`, detached, with
 * BERTH_ROOT in its environment. Logs to <root>/engine.log. SIGTERM or SIGINT stop it;
 * containers keep running under conmon and the next engine re-adopts them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveRoot } from '../common/naming.js';
import { startDaemon } from './daemon.js';

function version(): string {
  // dist/engine/daemon/main.js and engine/daemon/main.ts sit at different depths.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'berth' && pkg.version) return pkg.version;
    } catch {
      /* try the next */
    }
  }
  return '0.0.0';
}

async function main(): Promise<number> {
  const root = resolveRoot(process.env);
  if (process.getuid?.() !== 0) {
    process.stderr.write('berth engine: the engine needs root (it makes namespaces, cgroups, mounts and firewall rules)\n');
    return 3;
  }
  fs.mkdirSync(root, { recursive: true, mode: 0o711 });
  const logPath = path.join(root, 'engine.log');
  // Keep the log bounded across restarts: one previous generation, as engine.log.1.
  try {
    if (fs.statSync(logPath).size > 16 * 1024 * 1024) fs.renameSync(logPath, `${logPath}.1`);
  } catch {
    /* no log yet */
  }
  const logFile = fs.openSync(logPath, 'a', 0o600);
  const log = (msg: string) => {
    try {
      fs.writeSync(logFile, `${new Date().toISOString()} [${process.pid}] ${msg}\n`);
    } catch {
      /* a full disk must not take the engine down */
    }
  };
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e instanceof Error ? e.stack : String(e)}`));
  process.on('uncaughtException', (e) => {
    log(`uncaught exception, exiting: ${e.stack ?? String(e)}`);
    process.exit(70);
  });
  process.on('SIGHUP', () => log('SIGHUP ignored'));
  process.on('SIGPIPE', () => {});

  log(`berth engine ${version()} starting for ${root} (node ${process.version})`);
  let daemon;
  try {
    daemon = await startDaemon({ root, version: version(), log });
  } catch (e) {
    const err = e as Error & { code?: string };
    log(`failed to start: ${err.stack ?? String(e)}`);
    process.stderr.write(`berth engine: ${err.message}\n`);
    return err.code === 'CONFLICT' ? 0 : 1;
  }
  const onSignal = (sig: string) => void daemon.stop(sig);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await daemon.stopped;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`berth engine: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
