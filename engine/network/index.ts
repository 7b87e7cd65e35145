/**
 * The bridge network driver (see manager.ts). The daemon composes it; tests construct it
 * directly with a temp root.
 */
import type { EngineContext, NetworkManager } from '../common/contracts.js';
import { run } from '../common/exec.js';
import { BridgeNetworkManager, type NetworkManagerOptions } from './manager.js';

export { BridgeNetworkManager, DEFAULT_NETWORK } from './manager.js';
export type { NetworkManagerOptions } from './manager.js';

export function createNetworkManager(ctx: EngineContext, opts: Partial<NetworkManagerOptions> = {}): NetworkManager & BridgeNetworkManager {
  return new BridgeNetworkManager(ctx, {
    exec: run,
    hostIpForward: process.env.BERTH_IP_FORWARD === '1',
    pool: process.env.BERTH_NETWORK_POOL || undefined,
    ...opts,
  });
}
