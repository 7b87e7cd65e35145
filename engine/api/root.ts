/** Where an engine lives, for clients: BERTH_ROOT (default /var/lib/berth) and its socket. */
import path from 'node:path';
import { SOCKET_NAME } from './protocol.js';
export { DEFAULT_ROOT, resolveRoot } from '../common/naming.js';

export function socketPath(root: string): string {
  return path.join(root, SOCKET_NAME);
}
