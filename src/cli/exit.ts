/** berth's exit codes (documented in README "Exit codes"). */
export const EXIT = {
  OK: 0,
  /** The user's input is wrong: a diagnostic was printed (file:line:col). Also engine refusals. */
  USER_ERROR: 1,
  /** `berth plan`: something would change. */
  CHANGES: 2,
  /** The engine could not be reached or started. */
  ENGINE_UNAVAILABLE: 3,
  /** A bug in berth: a stack trace was printed. */
  INTERNAL: 125,
  /** Interrupted (Ctrl+C). */
  INTERRUPTED: 130,
} as const;

/** Thrown by a command to end with a given code after it printed what it had to. */
export class ExitError extends Error {
  constructor(readonly exitCode: number, message = '') {
    super(message);
    this.name = 'ExitError';
  }
}
