/**
 * DNS keeps answering while sandboxes come and go on its network (stacks FINDINGS item 8:
 * after a scale-down, `nslookup worker` from another container timed out for 20 s+).
 *
 * Each round starts a few "workers" and a fresh asker (so the asker's neighbour cache learns
 * the gateway's MAC while every worker is attached), removes the workers in parallel and
 * asks again at once through 127.0.0.11, as a container's resolver does. The gateway's MAC
 * must not change with the set of ports on the bridge: an asker whose cache still holds the
 * old MAC cannot reach the DNS server until its neighbour entry expires.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../engine/common/naming.js';
import { run } from '../../engine/common/exec.js';
import { LOCAL_DNS } from '../../engine/network/kernel.js';
import { nsLookup, nsName, testNetworkManager } from '../../engine/network/testkit.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();

let root: string;
let mgr: ReturnType<typeof testNetworkManager>;

beforeEach(async () => {
  root = tempRoot('netchurn');
  mgr = testNetworkManager(root);
  await mgr.init();
});

afterEach(async () => {
  for (const n of await mgr.list()) for (const cid of Object.keys(n.containers)) await mgr.teardownSandbox(cid);
  await mgr.prune();
  await mgr.close();
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true });
});

async function sandbox(name: string, network: string, aliases: string[] = []): Promise<{ id: string; ns: string; ip: string }> {
  const id = newId();
  const sb = await mgr.setupSandbox({ containerId: id, name, hostname: name, endpoints: [{ network, aliases }], ports: [] });
  return { id, ns: nsName(sb.netnsPath), ip: Object.values(sb.endpoints)[0]!.ipAddress };
}

function bridgeMac(bridge: string): string {
  return fs.readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim();
}

/** Who holds UDP <address>:53 on the host (ss lines; empty when nobody). */
async function udp53Holders(address: string): Promise<string[]> {
  const r = await run('ss', ['-Hlunp', `src ${address}:53`], { allowFail: true });
  return r.stdout.split('\n').filter((l) => l.trim());
}

describe('DNS under sandbox churn', () => {
  it('answers right after parallel teardowns and setups on its network, and the gateway MAC stays put', async () => {
    await mgr.create({ name: 'shop' });
    const net = await mgr.inspect('shop');
    const mac = bridgeMac(net.bridge);
    const keeper = await sandbox('shop-worker-1', 'shop', ['worker']);
    const rounds = 6;
    const failures: string[] = [];
    for (let r = 0; r < rounds; r++) {
      // scale up: several setups at once, as Compose starts replicas in parallel
      const workers = await Promise.all([2, 3, 4, 5].map((k) => sandbox(`shop-worker-${r}-${k}`, 'shop', ['worker'])));
      const api = await sandbox(`shop-api-${r}`, 'shop');
      const before = await nsLookup(api.ns, 'worker', LOCAL_DNS);
      expect(before.sort()).toEqual([keeper.ip, ...workers.map((w) => w.ip)].sort());
      // scale down: the removals run in parallel
      await Promise.all(workers.map((w) => mgr.teardownSandbox(w.id)));
      const after = await nsLookup(api.ns, 'worker', LOCAL_DNS);
      const byName = await nsLookup(api.ns, 'shop-worker-1', LOCAL_DNS);
      if (after.join() !== keeper.ip || byName.join() !== keeper.ip) failures.push(`round ${r}: worker -> [${after}], shop-worker-1 -> [${byName}]`);
      if (bridgeMac(net.bridge) !== mac) failures.push(`round ${r}: the bridge MAC changed from ${mac} to ${bridgeMac(net.bridge)}`);
      await mgr.teardownSandbox(api.id);
    }
    expect(failures).toEqual([]);
    expect(await udp53Holders(net.ipam[0]!.gateway)).not.toEqual([]);
  });

  it('a removed network and a closed manager hold no DNS socket; a bridge without a set MAC gets it pinned at init', async () => {
    await mgr.create({ name: 'gone' });
    const gw = (await mgr.inspect('gone')).ipam[0]!.gateway;
    expect(await udp53Holders(gw)).toHaveLength(1);
    await mgr.remove('gone');
    expect(await udp53Holders(gw)).toEqual([]);

    await mgr.create({ name: 'kept' });
    const kept = await mgr.inspect('kept');
    const gw2 = kept.ipam[0]!.gateway;
    const a = await sandbox('asker', 'kept');
    await sandbox('target', 'kept');
    expect(await nsLookup(a.ns, 'target', LOCAL_DNS)).toHaveLength(1);
    // close while a sync may be running: nothing may stay bound afterwards
    const closing = Promise.all([mgr.teardownSandbox(a.id), mgr.close()]);
    await closing;
    expect(await udp53Holders(gw2)).toEqual([]);
    // a bridge made before berth set bridge MACs: init pins the MAC it has, and keeps it
    await run('ip', ['link', 'del', kept.bridge]);
    await run('ip', ['link', 'add', kept.bridge, 'type', 'bridge']);
    const assignType = (): string => fs.readFileSync(`/sys/class/net/${kept.bridge}/addr_assign_type`, 'utf8').trim();
    expect(assignType()).not.toBe('3');
    // a new manager on the same root (an engine restart) serves the network again
    mgr = testNetworkManager(root);
    await mgr.init();
    expect(assignType()).toBe('3');
    const pinned = bridgeMac(kept.bridge);
    const b = await sandbox('asker2', 'kept');
    expect(await nsLookup(b.ns, 'target', LOCAL_DNS)).toHaveLength(1);
    expect(bridgeMac(kept.bridge)).toBe(pinned);
    expect(mgr.dnsListening()).toEqual([gw2]);
  });
});
