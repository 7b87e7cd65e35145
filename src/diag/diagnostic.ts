/**
 * Diagnostics are data: every problem found in a user's files becomes one of these,
 * collected rather than thrown, and formatted only at the edge (the CLI).
 * This module imports nothing, so every layer may use it.
 */

export type Severity = 'error' | 'warning';

/** A stable, greppable code per kind of problem (documented in docs/diagnostics.md). */
export type DiagCode =
  | 'yaml-syntax'
  | 'duplicate-key'
  | 'schema'
  | 'unknown-key'
  | 'type'
  | 'interpolation'
  | 'required-variable'
  | 'unset-variable'
  | 'env-file'
  | 'file-not-found'
  | 'no-compose-file'
  | 'project-name'
  | 'undefined-reference'
  | 'dependency-cycle'
  | 'extends'
  | 'include'
  | 'invalid-value'
  | 'profile'
  | 'internal';

export interface Diagnostic {
  code: DiagCode;
  severity: Severity;
  message: string;
  /** Absolute or cwd-relative path of the file the problem is in, when known. */
  file?: string;
  /** 1-based line and column, when known. */
  line?: number;
  col?: number;
  /** Key path inside the document, e.g. ['services', 'web', 'ports', 0]. */
  path?: (string | number)[];
  /** How to fix it, in one sentence, when we can say. */
  hint?: string;
}

/** Thrown by a use case when it has collected errors the user must fix (exit code 1). */
export class DiagnosticError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'DiagnosticError';
    this.diagnostics = diagnostics;
  }
}

export function pathToString(path: (string | number)[] | undefined): string {
  if (!path || path.length === 0) return '';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Formats one diagnostic as
 *   file:line:col: error: message (at services.web.ports[0])
 *     12 |     ports: ["80:80:80"]
 *        |             ^
 *   hint: ...
 * `source` is the file's text when the caller has it, for the caret excerpt.
 */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.col ? `:${d.col}` : ''}` : ''}: ` : '';
  const at = d.path && d.path.length ? ` (at ${pathToString(d.path)})` : '';
  const lines = [`${where}${d.severity}: ${d.message}${at}`];
  if (source !== undefined && d.line) {
    const text = source.split(/\r?\n/)[d.line - 1];
    if (text !== undefined) {
      const num = String(d.line);
      lines.push(`  ${num} | ${text}`);
      if (d.col) lines.push(`  ${' '.repeat(num.length)} | ${' '.repeat(Math.max(0, d.col - 1))}^`);
    }
  }
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  return lines.join('\n');
}

/** A plain user mistake outside any file (a bad flag value, an unknown service): printed without a stack trace, exit 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
