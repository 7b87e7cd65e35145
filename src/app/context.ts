/**
 * What every use case gets: the effects, injected by the composition root (root.ts) or by a
 * test. No use case reaches for process.*, a clock or an engine on its own.
 */
import type { Engine } from '../../engine/api/types.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import type { Project } from '../model/types.js';
import type { Clock, ProgressSink } from '../progress/events.js';

/** The global options that say which project (src/cli/main.ts). */
export interface GlobalOptions {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  profile?: string[];
  envFile?: string[];
}

export interface Loaded {
  project: Project;
  warnings: Diagnostic[];
  files: string[];
  envFiles: string[];
}

export interface Output {
  write(text: string): void;
  isTTY?: boolean;
}

export interface AppDeps {
  connect(): Promise<Engine>;
  load(globals: GlobalOptions, services?: string[]): Promise<Loaded>;
  sink: ProgressSink;
  clock: Clock;
  env: Record<string, string | undefined>;
  stdout: Output;
  stderr: Output;
  /** berth's version (stamped on objects as com.docker.compose.version). */
  version: string;
  /** Registers a Ctrl+C handler; returns its removal. */
  onInterrupt(handler: () => void): () => void;
  /** Colour on stdout (--ansi and whether it is a terminal). */
  color: boolean;
  /** Where project locks live (a folder under BERTH_ROOT). */
  lockDir: string;
  /** The machine's memory in bytes: `stats` shows it as an unlimited container's limit (as Docker). */
  hostMemory?: number;
  /** Engine steps at once (COMPOSE_PARALLEL_LIMIT); the executor's default when absent. */
  parallel?: number;
}
