import type { Command } from 'commander';

/** Placeholder: registers nothing yet. */
export function register(_program: Command): void {}
