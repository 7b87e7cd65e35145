/**
 * The glue every Compose command shares: global options → GlobalOptions, the renderer for
 * --progress, the composition root (imported lazily so `berth --help` stays fast), and the
 * command's exit code.
 */
import type { Command } from 'commander';
import { UserError } from '../../../diag/diagnostic.js';
import type { AppDeps, GlobalOptions } from '../../../app/context.js';
import { version } from '../../main.js';

interface Globals extends GlobalOptions {
  progress?: string;
  ansi?: string;
  dryRun?: boolean;
}

export function globalsOf(cmd: Command): Globals {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  return {
    file: o.file as string[] | undefined,
    projectName: o.projectName as string | undefined,
    projectDirectory: o.projectDirectory as string | undefined,
    profile: o.profile as string[] | undefined,
    envFile: o.envFile as string[] | undefined,
    progress: o.progress as string | undefined,
    ansi: o.ansi as string | undefined,
  };
}

export function useColor(ansi: string | undefined, tty: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (ansi === 'always') return true;
  if (ansi === 'never') return false;
  return !!tty && !env.NO_COLOR;
}

/** Runs a use case with the real effects; its return value becomes berth's exit code. */
export async function runApp(cmd: Command, fn: (deps: AppDeps, g: GlobalOptions) => Promise<number>): Promise<void> {
  const g = globalsOf(cmd);
  // A reader that went away (`ps -q | head -1`) is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e;
  });
  const [{ createAppDeps }, { makeSink }] = await Promise.all([import('../../../app/root.js'), import('../../render/index.js')]);
  const env = process.env;
  const progressMode = g.progress && g.progress !== 'auto' ? g.progress : env.COMPOSE_PROGRESS || env.BERTH_PROGRESS || 'auto';
  const sink = makeSink(progressMode, process.stderr, { color: useColor(g.ansi, process.stderr.isTTY, env) });
  const deps = createAppDeps({
    env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    sink,
    color: useColor(g.ansi, process.stdout.isTTY, env),
    version: version(),
  });
  const code = await fn(deps, g);
  if (code !== 0) process.exitCode = code;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function int(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UserError(`${name}: expected a whole number, got ${v}`);
    return n;
  };
}

/** --scale web=3 (repeatable) → { web: 3 } */
export function parseScale(list: string[] | undefined): Record<string, number> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, number> = {};
  for (const s of list) {
    const m = /^([^=]+)=(\d+)$/.exec(s);
    if (!m) throw new UserError(`--scale ${s}: expected SERVICE=NUMBER`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function pullPolicy(v: string | undefined): 'always' | 'missing' | 'never' | 'build' | undefined {
  if (v === undefined) return undefined;
  if (v === 'always' || v === 'missing' || v === 'never' || v === 'build') return v;
  if (v === 'if_not_present') return 'missing';
  throw new UserError(`--pull ${v}: expected always, missing or never`);
}
