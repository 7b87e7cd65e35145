/**
 * The edge where errors become text. A user's mistake (a diagnostic, an engine refusal)
 * prints a message without a stack trace; anything else is a bug and prints its stack.
 */
import { readFileSync } from 'node:fs';
import { DiagnosticError, formatDiagnostic } from '../diag/diagnostic.js';
export { UserError } from '../diag/diagnostic.js';
import { EXIT } from './exit.js';

function sourceOf(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function reportError(e: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (e instanceof DiagnosticError) {
    for (const d of e.diagnostics) stderr.write(formatDiagnostic(d, sourceOf(d.file)) + '\n');
    return EXIT.USER_ERROR;
  }
  if (e instanceof Error && e.name === 'EngineError') {
    const code = (e as Error & { code?: string }).code;
    stderr.write(`berth: ${e.message}\n`);
    return code === 'UNAVAILABLE' ? EXIT.ENGINE_UNAVAILABLE : EXIT.USER_ERROR;
  }
  if (e instanceof Error && e.name === 'UserError') {
    stderr.write(`berth: ${e.message}\n`);
    return EXIT.USER_ERROR;
  }
  stderr.write(`berth: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.INTERNAL;
}
