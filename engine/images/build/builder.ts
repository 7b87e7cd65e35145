/**
 * `image build`: runs a parsed Dockerfile stage by stage. Each step's result is cached under
 * a key made of the parent's key, the instruction (variables expanded) and a digest of its
 * inputs, so an unchanged rebuild is all CACHED and produces the same image id. RUN steps
 * run through the injected BuildRunner on an overlay the builder mounts; COPY/ADD write
 * into such an overlay; either way the step's upper dir becomes its layer.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BuildOptions, ProgressFn } from '../../api/types.js';
import { EngineError } from '../../api/types.js';
import type { BuildRunner } from '../../common/contracts.js';
import { applyConfigInstruction, DEFAULT_SHELL, emptyConfig, getEnv, type ImageConfigJson } from '../config.js';
import type { ImageCore } from '../core.js';
import { dropRuntimeArtifacts, layerFromDir, mountStep, releaseStep, type StepRootfs } from '../diff.js';
import type { Registries } from '../registry/index.js';
import { familiarName, normalizeTagged } from '../reference.js';
import { mkdirScoped, resolveScoped } from '../scoped.js';
import { unmount } from '../rootfs.js';
import { parseJsonArray, parseKeyValues, splitWords } from '../words.js';
import { BuildCache, type BuildState } from './cache.js';
import { BuildContext } from './context.js';
import { copyInto, downloadInto, extractInto, looksLikeArchive, resolveChown } from './copy.js';
import { DockerfileError, expand, parseDockerfile, type Instruction, type Stage } from './dockerfile.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const EXPANDED = new Set(['ADD', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'ARG']);

interface StageResult extends BuildState {
  key: string;
  baseId?: string;
}

interface Ctx {
  core: ImageCore;
  registries: Registries;
  runner: BuildRunner;
  opts: BuildOptions;
  cache: BuildCache;
  context: BuildContext;
  progress: ProgressFn;
  escape: string;
  step: number;
  results: Map<number, StageResult>;
  stages: Stage[];
  globals: Record<string, string | undefined>;
  /** Layers made by this build, pinned against a concurrent prune until it is registered. */
  unpins: (() => void)[];
}

/** Stages (by their args object) in which CMD was set. */
const cmdSetInStage = new WeakSet<object>();

const h = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex');

function fail(ins: Instruction, msg: string, details?: Record<string, unknown>): never {
  throw new EngineError('BUILD', `Dockerfile:${ins.line}: ${ins.original.split('\n')[0]!.slice(0, 120)}: ${msg}`, { line: ins.line, ...details });
}

export async function buildImage(core: ImageCore, registries: Registries, opts: BuildOptions, runner: BuildRunner, onProgress?: ProgressFn): Promise<string> {
  const progress = onProgress ?? (() => undefined);
  const ctxStat = await fs.stat(opts.context).catch(() => undefined);
  if (!ctxStat?.isDirectory()) throw new EngineError('INVALID', `build context ${opts.context} is not a directory`);
  let text: string;
  if (opts.dockerfileInline !== undefined) text = opts.dockerfileInline;
  else {
    const file = path.resolve(opts.context, opts.dockerfile ?? 'Dockerfile');
    text = await fs.readFile(file, 'utf8').catch(() => {
      throw new EngineError('INVALID', `cannot read Dockerfile ${file}`);
    });
  }
  let parsed;
  try {
    parsed = parseDockerfile(text);
  } catch (e) {
    if (e instanceof DockerfileError) throw new EngineError('BUILD', e.message, { line: e.line });
    throw e;
  }
  for (const t of opts.tags) normalizeTagged(t);
  const c: Ctx = {
    core,
    registries,
    runner,
    opts,
    cache: new BuildCache(core.p.cache, core.lock),
    context: await BuildContext.open(opts.context),
    progress,
    escape: parsed.escape,
    step: 0,
    results: new Map(),
    stages: parsed.stages,
    globals: {},
    unpins: [],
  };
  try {
    return await runBuild(c, parsed, opts, progress);
  } finally {
    for (const u of c.unpins) u();
  }
}

async function runBuild(c: Ctx, parsed: ReturnType<typeof parseDockerfile>, opts: BuildOptions, progress: ProgressFn): Promise<string> {
  const core = c.core;
  const buildArgs = opts.buildArgs ?? {};
  for (const a of parsed.globalArgs) {
    for (const [k, v] of parseKeyValues(expand(a.args, c.globals, c.escape), true)) c.globals[k] = buildArgs[k] ?? v;
  }
  let target = parsed.stages[parsed.stages.length - 1]!;
  if (opts.target) {
    const t = parsed.stages.find((s) => s.name === opts.target!.toLowerCase());
    if (!t) throw new EngineError('BUILD', `target stage "${opts.target}" not found`);
    target = t;
  }
  const needed = neededStages(c, target);
  for (const s of parsed.stages) if (needed.has(s.index)) c.results.set(s.index, await buildStage(c, s));
  const res = c.results.get(target.index)!;
  const cfg = structuredClone(res.config);
  if (opts.labels && Object.keys(opts.labels).length) cfg.config = { ...cfg.config, Labels: { ...(cfg.config?.Labels ?? {}), ...opts.labels } };
  const id = await core.register(JSON.stringify(cfg), res.layers, { tags: opts.tags, parent: res.baseId });
  progress({ id: 'build', status: 'DONE', message: id });
  for (const t of opts.tags) core.emit('build', id, familiarName(normalizeTagged(t)));
  if (!opts.tags.length) core.emit('build', id);
  return id;
}

function stageRef(c: Ctx, name: string): Stage | undefined {
  const n = name.toLowerCase();
  return c.stages.find((s) => s.name === n) ?? (/^\d+$/.test(n) ? c.stages[Number(n)] : undefined);
}

function neededStages(c: Ctx, target: Stage): Set<number> {
  const out = new Set<number>();
  const visit = (s: Stage): void => {
    if (out.has(s.index)) return;
    out.add(s.index);
    const base = stageRef(c, expand(s.base, c.globals, c.escape));
    if (base && base.index < s.index) visit(base);
    for (const i of s.instructions) {
      if (i.flags.from) {
        const dep = stageRef(c, expand(i.flags.from, c.globals, c.escape));
        if (dep) {
          if (dep.index >= s.index) fail(i, `stage "${i.flags.from}" is not defined before this one`);
          visit(dep);
        }
      }
    }
  };
  visit(target);
  return out;
}

async function imageState(c: Ctx, ref: string, ins: Instruction): Promise<StageResult> {
  let img = c.opts.pull ? undefined : await c.core.load(ref).catch(() => undefined);
  if (!img) {
    c.progress({ id: `#${c.step}`, status: 'Pulling', message: ref });
    try {
      await c.registries.pull(ref, c.progress);
    } catch (e) {
      fail(ins, `cannot get image ${ref}: ${(e as Error).message}`);
    }
    img = await c.core.mustLoad(ref);
  }
  return { config: structuredClone(img.config), layers: [...img.record.layers], key: img.id, baseId: img.id };
}

async function buildStage(c: Ctx, s: Stage): Promise<StageResult> {
  c.step++;
  const baseName = expand(s.base, c.globals, c.escape);
  c.progress({ id: `#${c.step}`, status: 'STEP', message: `FROM ${baseName}${s.name ? ` AS ${s.name}` : ''}` });
  let st: StageResult;
  const prev = stageRef(c, baseName);
  if (baseName === 'scratch') {
    const cfg = emptyConfig();
    st = { config: cfg, layers: [], key: h('scratch') };
  } else if (prev && prev.index < s.index && c.results.has(prev.index)) {
    const r = c.results.get(prev.index)!;
    st = { ...structuredClone(r), key: r.key };
  } else st = await imageState(c, baseName, s.from);
  st.config.config = st.config.config ?? {};
  st.config.history = st.config.history ?? [];
  c.progress({ id: `#${c.step}`, status: 'DONE' });
  const args: Record<string, string | undefined> = {};
  const triggers = (st.config.config.OnBuild ?? []).map((t, i) => ({ ...parseTrigger(t, s.from), line: s.from.line + 0 * i }));
  st.config.config.OnBuild = undefined;
  for (const ins of [...triggers, ...s.instructions]) st = await runInstruction(c, st, ins, args);
  return st;
}

function parseTrigger(t: string, from: Instruction): Instruction {
  try {
    const p = parseDockerfile(`FROM scratch\n${t}\n`);
    return { ...p.stages[0]!.instructions[0]!, line: from.line };
  } catch (e) {
    fail(from, `bad ONBUILD trigger "${t}": ${(e as Error).message}`);
  }
}

function scopeVars(st: StageResult, args: Record<string, string | undefined>): Record<string, string | undefined> {
  const vars: Record<string, string | undefined> = { ...args };
  for (const e of st.config.config?.Env ?? []) {
    const i = e.indexOf('=');
    vars[e.slice(0, i)] = e.slice(i + 1);
  }
  return vars;
}

async function runInstruction(c: Ctx, st: StageResult, ins: Instruction, args: Record<string, string | undefined>): Promise<StageResult> {
  c.step++;
  const id = `#${c.step}`;
  let argText = ins.args;
  try {
    if (EXPANDED.has(ins.cmd)) argText = expand(ins.args, scopeVars(st, args), c.escape);
  } catch (e) {
    fail(ins, (e as Error).message);
  }
  const shown = `${ins.cmd} ${argText}`.trim();
  c.progress({ id, status: 'STEP', message: shown });

  if (ins.cmd === 'ARG') {
    for (const [k, v] of parseKeyValues(argText, true)) {
      const bv = c.opts.buildArgs?.[k];
      args[k] = bv ?? v ?? c.globals[k];
    }
  }
  // what the step depends on besides its text
  let inputs = '';
  if (ins.cmd === 'RUN') inputs = JSON.stringify(buildArgEnv(st, args));
  if (ins.cmd === 'COPY' || ins.cmd === 'ADD') {
    try {
      inputs = await copyInputsDigest(c, ins, argText);
    } catch (e) {
      fail(ins, (e as Error).message);
    }
  }
  const key = h(st.key, ins.cmd, JSON.stringify(ins.flags), argText, inputs);
  if (ins.cmd === 'ARG') {
    c.progress({ id, status: 'DONE' });
    return { ...st, key };
  }
  if (!c.opts.noCache) {
    const hit = await c.cache.get(key);
    if (hit && (await Promise.all(hit.layers.map((l) => c.core.layers.get(l.diffId)))).every(Boolean)) {
      c.progress({ id, status: 'CACHED', message: shown });
      return { ...hit, key, baseId: st.baseId };
    }
  }
  const next: StageResult = { config: structuredClone(st.config), layers: [...st.layers], key, baseId: st.baseId };
  next.config.config = next.config.config ?? {};
  const now = new Date().toISOString();
  let layerAdded = false;
  if (ins.cmd === 'RUN') layerAdded = await doRun(c, next, ins, args, id);
  else if (ins.cmd === 'COPY' || ins.cmd === 'ADD') layerAdded = await doCopy(c, next, ins, argText, args);
  else {
    try {
      applyConfigInstruction(next.config.config, ins.cmd, argText);
    } catch (e) {
      fail(ins, (e as Error).message);
    }
    // Docker: ENTRYPOINT resets a CMD inherited from the base image (not one set in this stage)
    if (ins.cmd === 'CMD') cmdSetInStage.add(args);
    if (ins.cmd === 'ENTRYPOINT' && !cmdSetInStage.has(args)) next.config.config!.Cmd = null;
  }
  next.config.created = now;
  const createdBy = ins.cmd === 'RUN' ? `RUN ${ins.args}` : `${shown}${layerAdded ? '' : ' # buildkit'}`;
  next.config.history = [...(next.config.history ?? []), { created: now, created_by: createdBy.replace(/ # buildkit$/, ''), comment: 'buildkit.dockerfile.v0', ...(layerAdded ? {} : { empty_layer: true }) }];
  await c.cache.put(key, { config: next.config, layers: next.layers });
  c.progress({ id, status: 'DONE' });
  return next;
}

function buildArgEnv(st: StageResult, args: Record<string, string | undefined>): string[] {
  const env = [...(st.config.config?.Env ?? [])];
  if (getEnv(env, 'PATH') === undefined) env.unshift(`PATH=${DEFAULT_PATH}`);
  for (const [k, v] of Object.entries(args)) if (v !== undefined && getEnv(env, k) === undefined) env.push(`${k}=${v}`);
  return env;
}

async function doRun(c: Ctx, st: StageResult, ins: Instruction, args: Record<string, string | undefined>, id: string): Promise<boolean> {
  const cfg = st.config.config!;
  const cmd = parseJsonArray(ins.args) ?? [...(cfg.Shell ?? DEFAULT_SHELL), ins.args];
  const rootfs = await mountStep(c.core, st.layers.map((l) => l.diffId));
  let released = false;
  try {
    const wd = cfg.WorkingDir || '/';
    await mkdirScoped(rootfs.merged, wd);
    const lines: string[] = [];
    const net = ins.flags.network === 'host' || c.opts.network === 'host' ? 'host' : 'none';
    const res = await c.runner.runStep({
      rootfs: rootfs.merged,
      cmd,
      env: buildArgEnv(st, args),
      user: cfg.User || undefined,
      workingDir: wd,
      network: net,
      onOutput: (line) => {
        lines.push(line);
        if (lines.length > 200) lines.shift();
        c.progress({ id, status: 'log', message: line });
      },
    });
    if (res.exitCode !== 0) {
      const tail = (res.output || lines.join('\n')).trimEnd().split('\n').slice(-10).join('\n');
      fail(ins, `process "${cmd.join(' ')}" did not complete successfully: exit code: ${res.exitCode}${tail ? `\n${tail}` : ''}`, { exitCode: res.exitCode, output: tail });
    }
    const added = await sealStep(c, st, rootfs, true);
    released = true;
    return added;
  } finally {
    if (!released) await releaseStep(rootfs);
  }
}

/**
 * Ends a RUN or COPY step: its upper dir becomes a layer on the stage and the step's rootfs
 * is released. False when the step changed nothing (no layer). A RUN step first drops what
 * the runtime, not the command, left behind (bind-mount targets).
 */
async function sealStep(c: Ctx, st: StageResult, rootfs: StepRootfs, dropArtifacts: boolean): Promise<boolean> {
  await unmount(rootfs.merged);
  if (dropArtifacts) await dropRuntimeArtifacts(c.core, rootfs.upper, st.config.rootfs.diff_ids);
  const layer = await layerFromDir(c.core, rootfs.upper);
  await releaseStep(rootfs);
  if (!layer) return false;
  c.unpins.push(c.core.pin([layer.diffId, layer.digest]));
  st.layers.push(layer);
  st.config.rootfs = { type: 'layers', diff_ids: [...st.config.rootfs.diff_ids, layer.diffId] };
  return true;
}

function splitSources(ins: Instruction, argText: string): { sources: string[]; dest: string } {
  const list = parseJsonArray(argText) ?? splitWords(argText);
  if (list.length < 2) fail(ins, `${ins.cmd} needs at least one source and a destination`);
  return { sources: list.slice(0, -1), dest: list[list.length - 1]! };
}

async function copyInputsDigest(c: Ctx, ins: Instruction, argText: string): Promise<string> {
  const { sources } = splitSources(ins, argText);
  if (ins.flags.from) {
    const fromName = expand(ins.flags.from, c.globals, c.escape);
    const stage = stageRef(c, fromName);
    if (stage) return `stage:${c.results.get(stage.index)?.key ?? fail(ins, `stage ${fromName} not built`)}`;
    const img = await c.core.load(fromName);
    return `image:${img?.id ?? fromName}`;
  }
  const local = sources.filter((s) => !/^https?:\/\//.test(s));
  return (await c.context.hashSources(local)) + sources.filter((s) => /^https?:\/\//.test(s)).join(' ');
}

async function doCopy(c: Ctx, st: StageResult, ins: Instruction, argText: string, args: Record<string, string | undefined>): Promise<boolean> {
  const { sources, dest: rawDest } = splitSources(ins, argText);
  const cfg = st.config.config!;
  const wd = cfg.WorkingDir || '/';
  const dest = rawDest.startsWith('/') ? rawDest : path.posix.join(wd, rawDest) + (rawDest.endsWith('/') || rawDest === '.' ? '/' : '');
  const rootfs = await mountStep(c.core, st.layers.map((l) => l.diffId));
  let from: StepRootfs | undefined;
  let released = false;
  try {
    const owner = await resolveChown(rootfs.merged, ins.flags.chown ? expand(ins.flags.chown, scopeVars(st, args), c.escape) : undefined).catch((e: Error) => fail(ins, e.message));
    const chmod = ins.flags.chmod ? parseInt(ins.flags.chmod, 8) : undefined;
    if (chmod !== undefined && Number.isNaN(chmod)) fail(ins, `bad --chmod ${ins.flags.chmod}`);
    const o = { owner, chmod };
    // host paths of the selected sources
    const items: { host: string; name: string; isDir: boolean }[] = [];
    if (ins.flags.from) {
      const fromName = expand(ins.flags.from, c.globals, c.escape);
      const stage = stageRef(c, fromName);
      const layers = stage ? c.results.get(stage.index)!.layers : (await imageState(c, fromName, ins)).layers;
      from = await mountStep(c.core, layers.map((l) => l.diffId));
      for (const s of sources) {
        const host = await resolveScoped(from.merged, s.startsWith('/') ? s : path.posix.join('/', s));
        const stt = await fs.lstat(host).catch(() => fail(ins, `${s}: no such file or directory in ${fromName}`));
        items.push({ host, name: path.posix.basename(host), isDir: stt.isDirectory() });
      }
    } else {
      for (const s of sources) {
        if (/^https?:\/\//.test(s)) {
          if (ins.cmd !== 'ADD') fail(ins, 'COPY does not take URLs (use ADD)');
          await downloadInto(rootfs.merged, s, sources.length > 1 ? dest.replace(/\/?$/, '/') : dest, o).catch((e: Error) => fail(ins, e.message));
          continue;
        }
        let matched;
        try {
          matched = await c.context.match(s);
        } catch (e) {
          fail(ins, (e as Error).message);
        }
        if (!matched.length) fail(ins, `no source files were specified or matched by "${s}"`);
        for (const m of matched) items.push({ host: path.join(c.opts.context, m.rel), name: path.posix.basename(m.rel), isDir: m.type === 'dir' });
      }
    }
    // an existing directory at the destination receives the sources, as in Docker
    const destStat = await fs.stat(await resolveScoped(rootfs.merged, dest)).catch(() => undefined);
    const destIsDir = dest.endsWith('/') || items.length > 1 || sources.length > 1 || !!destStat?.isDirectory();
    for (const it of items) {
      if (it.isDir) {
        // a directory source copies its contents, honouring .dockerignore for context sources
        await mkdirScoped(rootfs.merged, dest, owner);
        const names = (await fs.readdir(it.host)).sort();
        for (const n of names) {
          const hostChild = path.join(it.host, n);
          if (!ins.flags.from && c.context.ignore.ignores(path.relative(c.opts.context, hostChild))) continue;
          await copyTree(c, rootfs.merged, hostChild, path.posix.join(dest, n), o, !ins.flags.from);
        }
      } else if (ins.cmd === 'ADD' && !ins.flags.from && (await looksLikeArchive(it.host))) {
        await extractInto(rootfs.merged, it.host, dest).catch((e: Error) => fail(ins, e.message));
      } else {
        await copyInto(rootfs.merged, it.host, destIsDir ? path.posix.join(dest, it.name) : dest, o);
      }
    }
    const added = await sealStep(c, st, rootfs, false);
    released = true;
    return added;
  } finally {
    if (!released) await releaseStep(rootfs);
    if (from) await releaseStep(from);
  }
}

/** Copies a context subtree, skipping what .dockerignore excludes. */
async function copyTree(c: Ctx, root: string, host: string, dest: string, o: { owner: { uid: number; gid: number }; chmod?: number }, filter: boolean): Promise<void> {
  const st = await fs.lstat(host);
  if (!st.isDirectory()) return copyInto(root, host, dest, o);
  const d = await mkdirScoped(root, dest);
  await fs.lchown(d, o.owner.uid, o.owner.gid);
  await fs.chmod(d, o.chmod ?? st.mode & 0o7777);
  for (const n of (await fs.readdir(host)).sort()) {
    const child = path.join(host, n);
    if (filter && c.context.ignore.ignores(path.relative(c.opts.context, child))) continue;
    await copyTree(c, root, child, path.posix.join(dest, n), o, filter);
  }
}

export type { ImageConfigJson };
