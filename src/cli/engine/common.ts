/**
 * What the engine commands share: reaching the engine (lazily, so `--help` never loads the
 * client), repeatable options, Docker's --filter and --format conventions, confirmations,
 * and "do this to each NAME, report failures, exit 1 if any failed".
 */
import type { Command } from 'commander';
import type { Engine } from '../../../engine/api/types.js';
import { UserError } from '../../diag/diagnostic.js';
import { ExitError, EXIT } from '../exit.js';
import { table } from './format.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Ctx {
  io: Io;
  engine(): Promise<Engine>;
}

/** The default context: the real process and an engine reached (or started) through connectEngine. */
export function defaultCtx(): Ctx {
  let engine: Promise<Engine> | undefined;
  return {
    io: { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() },
    engine: () => (engine ??= import('../../app/engine.js').then((m) => m.connectEngine({ env: process.env }))),
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** --filter k=v (repeatable) → Docker's filters map. */
export function parseFilters(list: string[] | undefined): Record<string, string[]> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const f of list) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UserError(`bad format of filter (expected name=value): ${f}`);
    (out[f.slice(0, eq).toLowerCase()] ??= []).push(f.slice(eq + 1));
  }
  return out;
}

/** Loaded on demand: the template module is only needed when a format is given. */
async function compile(fmt: string): Promise<(d: unknown) => string> {
  const { compileTemplate } = await import('./template.js');
  return compileTemplate(fmt);
}

/**
 * Prints a list the Docker way: no format → a human table; "json" → one JSON object a line;
 * "table TEMPLATE" → a table whose header is the template's field names; else a template per row.
 */
export async function printList(
  io: Io,
  rows: Record<string, unknown>[],
  opts: { format?: string; quiet?: boolean; quietField?: string },
  human: { headers: string[]; cells: (r: Record<string, unknown>) => string[] },
): Promise<void> {
  if (opts.quiet) {
    for (const r of rows) io.stdout.write(`${String(r[opts.quietField ?? 'ID'])}\n`);
    return;
  }
  const fmt = opts.format;
  if (!fmt || fmt === 'table') {
    io.stdout.write(table(human.headers, rows.map(human.cells)));
    return;
  }
  if (fmt === 'json') {
    for (const r of rows) io.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  if (fmt.startsWith('table ')) {
    const tpl = fmt.slice(6).replace(/\\t/g, '\t');
    const headers = tpl.split('\t').map((c) => (/\{\{\s*\.(\w+)\s*\}\}/.exec(c)?.[1] ?? c).replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase());
    const cols = tpl.split('\t');
    const fns = await Promise.all(cols.map(compile));
    io.stdout.write(table(headers, rows.map((r) => fns.map((f) => f(r)))));
    return;
  }
  const f = await compile(fmt.replace(/\\t/g, '\t').replace(/\\n/g, '\n'));
  for (const r of rows) io.stdout.write(f(r) + '\n');
}

/** inspect output: a JSON array with Docker's 4-space indent, or a template per object. */
export async function printInspect(io: Io, objects: unknown[], format?: string): Promise<void> {
  if (!format) {
    io.stdout.write(JSON.stringify(objects, null, 4) + '\n');
    return;
  }
  const f = format === 'json' ? (o: unknown) => JSON.stringify(o) : await compile(format);
  for (const o of objects) io.stdout.write(f(o) + '\n');
}

/**
 * Runs `fn` for each target; failures print "Error response from daemon"-style lines and
 * the command ends with exit 1 after trying them all (Docker's behaviour for stop/rm/...).
 */
export async function eachTarget(io: Io, targets: string[], fn: (t: string) => Promise<string | void>): Promise<void> {
  let failed = 0;
  for (const t of targets) {
    try {
      const out = await fn(t);
      if (out !== undefined) io.stdout.write(out + '\n');
    } catch (e) {
      failed++;
      if (e instanceof Error && (e.name === 'EngineError' || e.name === 'UserError')) io.stderr.write(`Error: ${e.message}\n`);
      else throw e;
    }
  }
  if (failed) throw new ExitError(EXIT.USER_ERROR);
}

/** Docker's prune prompt: y/Y continues; anything else (or end of input) declines. */
export async function confirm(io: Io, question: string, force?: boolean): Promise<boolean> {
  if (force) return true;
  io.stdout.write(`${question}\nAre you sure you want to continue? [y/N] `);
  const line = await readLine(io.stdin);
  return /^y(es)?$/i.test(line.trim());
}

function readLine(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const finish = (s: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(s);
    };
    const onEnd = () => finish(buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

/** Adds a subcommand group whose children parse their own options positionally (Docker's rule). */
export function group(program: Command, name: string, description: string): Command {
  return program.command(name).description(description).enablePositionalOptions();
}

/** Wraps an action with the context; keeps commander's (args..., opts, cmd) shape. */
export function act<A extends unknown[]>(ctx: () => Ctx, fn: (ctx: Ctx, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return (...args: A) => fn(ctx(), ...args);
}
