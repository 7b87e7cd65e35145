/**
 * Dockerfile parsing: parser directives (escape, syntax), comments, line continuations
 * (comment lines inside a continuation are dropped, as Docker does), instruction flags
 * (`--from=`, `--chown=`...), and variable expansion (`$V`, `${V}`, `${V:-d}`, `${V:+a}`).
 * Every instruction keeps its first line number for error messages.
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY... */
  cmd: string;
  /** Text after the keyword and its flags, continuation lines joined. */
  args: string;
  flags: Record<string, string>;
  /** 1-based line of the keyword. */
  line: number;
  /** The instruction as written (continuations joined), for history and cache keys. */
  original: string;
}

export interface Stage {
  /** Lower-cased `AS name`, if any. */
  name?: string;
  index: number;
  from: Instruction;
  /** FROM's image text before expansion. */
  base: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  escape: string;
  /** ARGs before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export class DockerfileError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`Dockerfile:${line}: ${message}`);
    this.name = 'DockerfileError';
  }
}

const KNOWN = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

/** Flags berth's builder implements (--link only changes how BuildKit stores a layer: accepted, no effect). */
const FLAGS: Record<string, string[]> = {
  FROM: ['platform'],
  COPY: ['from', 'chown', 'chmod', 'link'],
  ADD: ['chown', 'chmod', 'link'],
  RUN: ['network'],
};
/** BuildKit flags berth knows but does not implement: refused with a clear message. */
const UNSUPPORTED: Record<string, string[]> = {
  COPY: ['parents', 'exclude'],
  ADD: ['checksum', 'keep-git-dir', 'exclude'],
  RUN: ['mount', 'security'],
};

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let escape = '\\';
  let i = 0;
  // Parser directives: only at the very top, as "# key=value" comment lines.
  for (; i < lines.length; i++) {
    const m = /^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new DockerfileError(`invalid escape directive "${m[2]}": must be \\ or \``, i + 1);
      escape = m[2]!;
    } else if (key === 'syntax' || key === 'check') {
      // frontend selection and lint config: nothing to do for berth's own builder
    } else break;
  }
  const instrs: Instruction[] = [];
  let cur: { text: string; line: number } | undefined;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (!cur) {
      if (!trimmed || trimmed.startsWith('#')) continue;
      cur = { text: '', line: i + 1 };
    } else if (trimmed.startsWith('#')) continue; // comment inside a continuation
    else if (!trimmed) continue; // empty continuation line
    const stripped = raw.replace(/\s+$/, '');
    if (stripped.endsWith(escape)) {
      cur.text += stripped.slice(0, -1);
      continue;
    }
    cur.text += stripped;
    instrs.push(splitInstruction(cur.text, cur.line));
    cur = undefined;
  }
  if (cur && cur.text.trim()) instrs.push(splitInstruction(cur.text, cur.line));

  const out: ParsedDockerfile = { escape, globalArgs: [], stages: [] };
  for (const ins of instrs) {
    if (ins.cmd === 'FROM') {
      const m = /^(\S+)(?:\s+[aA][sS]\s+(\S+))?\s*$/.exec(ins.args);
      if (!m) throw new DockerfileError(`FROM needs an image and optionally "AS name": FROM ${ins.args}`, ins.line);
      const name = m[2]?.toLowerCase();
      if (name && !/^[a-z][a-z0-9_.-]*$/.test(name)) throw new DockerfileError(`invalid stage name "${m[2]}"`, ins.line);
      if (name && out.stages.some((s) => s.name === name)) throw new DockerfileError(`duplicate stage name "${name}"`, ins.line);
      out.stages.push({ name, index: out.stages.length, from: ins, base: m[1]!, instructions: [] });
    } else if (!out.stages.length) {
      if (ins.cmd !== 'ARG') throw new DockerfileError(`${ins.cmd} before the first FROM (only ARG may come first)`, ins.line);
      out.globalArgs.push(ins);
    } else out.stages[out.stages.length - 1]!.instructions.push(ins);
  }
  if (!out.stages.length) throw new DockerfileError('no FROM instruction', instrs[0]?.line ?? 1);
  return out;
}

function splitInstruction(text: string, line: number): Instruction {
  const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!m) throw new DockerfileError(`cannot parse "${text.trim().slice(0, 40)}"`, line);
  const cmd = m[1]!.toUpperCase();
  if (!KNOWN.has(cmd)) throw new DockerfileError(`unknown instruction: ${m[1]}`, line);
  let rest = (m[2] ?? '').trim();
  const flags: Record<string, string> = {};
  const allowed = FLAGS[cmd];
  if (allowed) {
    for (;;) {
      const f = /^--([a-z-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest);
      if (!f) break;
      if (UNSUPPORTED[cmd]?.includes(f[1]!)) throw new DockerfileError(`${cmd} --${f[1]} is not supported by berth's builder`, line);
      if (!allowed.includes(f[1]!)) throw new DockerfileError(`unknown flag --${f[1]} for ${cmd}`, line);
      flags[f[1]!] = f[2] ?? 'true';
      rest = rest.slice(f[0].length);
    }
  }
  if (/^<<-?["']?[A-Za-z_]/.test(rest) && (cmd === 'RUN' || cmd === 'COPY' || cmd === 'ADD')) {
    throw new DockerfileError(`here-documents (${cmd} <<EOF) are not supported by berth's builder`, line);
  }
  if (!rest && !['RUN', 'CMD', 'ENTRYPOINT'].includes(cmd) && cmd !== 'ONBUILD') {
    if (cmd !== 'HEALTHCHECK') throw new DockerfileError(`${cmd} needs arguments`, line);
  }
  return { cmd, args: rest, flags, line, original: `${cmd} ${text.trim().replace(/^\S+\s*/, '')}`.trim() };
}

/**
 * Expands $VAR / ${VAR} / ${VAR:-default} / ${VAR:+alt} with `vars`; the escape character
 * keeps a literal $. Quotes are kept (later word splitting removes them); single quotes
 * stop expansion, as in Docker.
 */
export function expand(text: string, vars: Record<string, string | undefined>, escape = '\\'): string {
  let out = '';
  let inSingle = false;
  let inDouble = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && i + 1 < text.length) {
      const n = text[i + 1]!;
      if (n === '$') {
        out += '$';
        i++;
        continue;
      }
      out += c + n;
      i++;
      continue;
    }
    if (c === "'" && !inDouble) inSingle = !inSingle;
    else if (c === '"' && !inSingle) inDouble = !inDouble;
    if (c !== '$' || inSingle) {
      out += c;
      continue;
    }
    if (text[i + 1] === '{') {
      const close = text.indexOf('}', i + 2);
      if (close < 0) throw new Error(`missing } in "${text}"`);
      const body = text.slice(i + 2, close);
      i = close;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(body);
      if (!m) throw new Error(`bad substitution \${${body}}`);
      const v = vars[m[1]!];
      const op = m[2];
      const word = m[3] !== undefined ? expand(m[3], vars, escape) : '';
      if (!op) out += v ?? '';
      else if (op === ':-') out += v ? v : word;
      else if (op === '-') out += v !== undefined ? v : word;
      else if (op === ':+') out += v ? word : '';
      else if (op === '+') out += v !== undefined ? word : '';
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (!m) {
      out += c;
      continue;
    }
    out += vars[m[0]] ?? '';
    i += m[0].length;
  }
  return out;
}
