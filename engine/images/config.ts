/**
 * The OCI image config (what the image id is the digest of) and the instructions that
 * change its run config — shared by `import --change`, `commit --change` and builds.
 */
import type { ImageRunConfig } from '../api/types.js';
import { EngineError } from '../api/types.js';
import { parseJsonArray, parseKeyValues, splitWords } from './words.js';

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  author?: string;
  empty_layer?: boolean;
}

/** OCI image config JSON, Docker's extra fields included. */
export interface ImageConfigJson {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageRunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  comment?: string;
  /** Docker's (non-OCI) parent image id, kept when we know it. */
  parent?: string;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export function hostArch(): string {
  const m: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return m[process.arch] ?? process.arch;
}

export function emptyConfig(): ImageConfigJson {
  return { architecture: hostArch(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
}

/** Instructions allowed in --change (Docker's list). */
export const CHANGE_INSTRUCTIONS = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

export function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const list = (env ?? []).filter((e) => e.split('=', 1)[0] !== key);
  list.push(`${key}=${value}`);
  return list;
}

export function getEnv(env: string[] | undefined, key: string): string | undefined {
  const e = (env ?? []).find((x) => x.split('=', 1)[0] === key);
  return e === undefined ? undefined : e.slice(key.length + 1);
}

function execOrShell(args: string, shell: string[] | undefined): string[] {
  return parseJsonArray(args) ?? [...(shell ?? DEFAULT_SHELL), args];
}

/** Parses a duration like 30s, 1m30s, 500ms into nanoseconds. */
export function parseDurationNs(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let used = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]!]!;
    used += m[0].length;
  }
  if (used !== s.length || !s) throw new Error(`bad duration "${s}"`);
  return Math.round(total);
}

/**
 * Applies one run-config instruction (args already variable-expanded) to `cfg` in place.
 * Returns false for instructions that are not run-config ones.
 */
export function applyConfigInstruction(cfg: ImageRunConfig, instr: string, args: string): boolean {
  const I = instr.toUpperCase();
  switch (I) {
    case 'CMD':
      cfg.Cmd = execOrShell(args, cfg.Shell);
      return true;
    case 'ENTRYPOINT':
      cfg.Entrypoint = execOrShell(args, cfg.Shell);
      // Docker: setting ENTRYPOINT resets a CMD inherited from the base image.
      return true;
    case 'ENV':
      for (const [k, v] of parseKeyValues(args)) cfg.Env = setEnv(cfg.Env, k, v ?? '');
      return true;
    case 'LABEL':
      cfg.Labels = { ...(cfg.Labels ?? {}) };
      for (const [k, v] of parseKeyValues(args)) cfg.Labels[k] = v ?? '';
      return true;
    case 'MAINTAINER':
      cfg.Labels = { ...(cfg.Labels ?? {}), maintainer: args.trim() };
      return true;
    case 'WORKDIR': {
      const w = args.trim();
      cfg.WorkingDir = w.startsWith('/') ? w : `${(cfg.WorkingDir || '/').replace(/\/$/, '')}/${w}`;
      return true;
    }
    case 'USER':
      cfg.User = args.trim();
      return true;
    case 'EXPOSE': {
      cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) };
      for (const p of splitWords(args)) {
        const [port, proto = 'tcp'] = p.split('/');
        if (!/^\d+(-\d+)?$/.test(port ?? '')) throw new Error(`bad port "${p}"`);
        cfg.ExposedPorts[`${port}/${proto.toLowerCase()}`] = {};
      }
      return true;
    }
    case 'VOLUME': {
      cfg.Volumes = { ...(cfg.Volumes ?? {}) };
      for (const v of parseJsonArray(args) ?? splitWords(args)) cfg.Volumes[v] = {};
      return true;
    }
    case 'STOPSIGNAL':
      cfg.StopSignal = args.trim();
      return true;
    case 'SHELL': {
      const sh = parseJsonArray(args);
      if (!sh || !sh.length) throw new Error('SHELL needs the JSON form, e.g. SHELL ["/bin/sh", "-c"]');
      cfg.Shell = sh;
      return true;
    }
    case 'ONBUILD':
      cfg.OnBuild = [...(cfg.OnBuild ?? []), args.trim()];
      return true;
    case 'HEALTHCHECK':
      cfg.Healthcheck = parseHealthcheck(args);
      return true;
    default:
      return false;
  }
}

export function parseHealthcheck(args: string): NonNullable<ImageRunConfig['Healthcheck']> {
  let rest = args.trim();
  const hc: NonNullable<ImageRunConfig['Healthcheck']> = { Test: [] };
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s*/.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
    const [, k, v] = m;
    if (k === 'interval') hc.Interval = parseDurationNs(v!);
    else if (k === 'timeout') hc.Timeout = parseDurationNs(v!);
    else if (k === 'start-period') hc.StartPeriod = parseDurationNs(v!);
    else if (k === 'start-interval') hc.StartInterval = parseDurationNs(v!);
    else if (k === 'retries') hc.Retries = Number(v);
    else throw new Error(`unknown HEALTHCHECK flag --${k}`);
  }
  if (/^NONE$/i.test(rest)) return { Test: ['NONE'] };
  const m = /^CMD\s+([\s\S]*)$/i.exec(rest);
  if (!m) throw new Error('HEALTHCHECK needs CMD or NONE');
  const json = parseJsonArray(m[1]!);
  hc.Test = json ? ['CMD', ...json] : ['CMD-SHELL', m[1]!.trim()];
  return hc;
}

/** `--change` lines ("CMD [\"sh\"]", "ENV A=b") applied to a run config. */
export function applyChanges(cfg: ImageRunConfig, changes: string[]): ImageRunConfig {
  const out: ImageRunConfig = structuredClone(cfg);
  for (const line of changes) {
    const m = /^\s*([A-Za-z]+)\s*([\s\S]*)$/.exec(line);
    const instr = m?.[1]?.toUpperCase();
    if (!m || !instr || !CHANGE_INSTRUCTIONS.has(instr)) {
      throw new EngineError('INVALID', `--change: ${instr ?? line} is not supported (use one of ${[...CHANGE_INSTRUCTIONS].join(', ')})`);
    }
    try {
      applyConfigInstruction(out, instr, m[2]!);
    } catch (e) {
      throw new EngineError('INVALID', `--change "${line}": ${(e as Error).message}`);
    }
  }
  return out;
}
