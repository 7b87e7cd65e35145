/**
 * The Docker-style engine commands: `berth engine|image|container|network|volume|system`
 * and `berth login`. (The top-level `berth run/exec/ps/logs/...` are the Compose commands.)
 *
 * Docker's flags clash with berth's global options (-p is --project-name, -v is --version,
 * -f is --file, --env-file...). Docker parses a subcommand's flags positionally, after the
 * subcommand name; so for these groups only, the program stops reading its own options at
 * the group's name, and `berth container run -p 80:80 -v /a:/b IMAGE` means what Docker
 * users expect. Compose commands keep commander's default behaviour.
 */
import type { Command } from 'commander';
import { positionalFor } from '../positional.js';
import { defaultCtx, type Ctx } from './common.js';
import { registerContainer } from './container-cmd.js';
import { registerEngine } from './engine-cmd.js';
import { registerImage } from './image-cmd.js';
import { registerNetwork, registerVolume } from './network-volume-cmd.js';

export const ENGINE_GROUPS = ['engine', 'image', 'container', 'network', 'volume', 'system', 'login'] as const;

export { firstOperand } from '../positional.js';

export function register(program: Command, ctx: () => Ctx = defaultCtx): void {
  positionalFor(program, new Set<string>(ENGINE_GROUPS));
  // Groups set positional options on themselves (see common.group); run/exec pass the
  // command's own flags through to the container (`run IMAGE sh -c ...`).
  registerEngine(program, ctx);
  registerImage(program, ctx);
  registerContainer(program, ctx);
  registerNetwork(program, ctx);
  registerVolume(program, ctx);
}
