/**
 * The composition root: the one place that picks the real effects (the engine client, the
 * loader, the clock, process streams and signals) and hands them to the use cases.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../load/index.js';
import { loadOptionsFrom } from '../load/options.js';
import { systemClock, type ProgressSink } from '../progress/events.js';
import type { AppDeps, Loaded, Output } from './context.js';
import { contentDigests } from './content.js';
import { connectEngine, engineRoot } from './engine.js';
import type { Engine } from '../../engine/api/types.js';

export interface RootOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Output;
  stderr: Output;
  sink: ProgressSink;
  color: boolean;
  version: string;
}

export function createAppDeps(o: RootOptions): AppDeps {
  let engine: Promise<Engine> | undefined;
  return {
    connect: () => (engine ??= connectEngine({ env: o.env })),
    load: async (g, services) => withContentDigests(await loadProject({ ...loadOptionsFrom(g, o.env, o.cwd), ...(services?.length ? { services } : {}) }), o.env, (f) => fs.readFileSync(f)),
    sink: o.sink,
    clock: systemClock,
    env: o.env,
    stdout: o.stdout,
    stderr: o.stderr,
    version: o.version,
    color: o.color,
    lockDir: path.join(engineRoot({ env: o.env }), 'compose-locks'),
    hostMemory: os.totalmem(),
    ...(Number(o.env.COMPOSE_PARALLEL_LIMIT) > 0 ? { parallel: Number(o.env.COMPOSE_PARALLEL_LIMIT) } : {}),
    onInterrupt(handler) {
      const h = (): void => handler();
      process.on('SIGINT', h);
      process.on('SIGTERM', h);
      return () => {
        process.off('SIGINT', h);
        process.off('SIGTERM', h);
      };
    },
  };
}

/** Stamps the digests of the project's secret and config contents on it (see plan/hash.ts). */
function withContentDigests(l: Loaded, env: NodeJS.ProcessEnv, read: (file: string) => Uint8Array): Loaded {
  return { ...l, project: contentDigests(l.project, env, read) };
}
