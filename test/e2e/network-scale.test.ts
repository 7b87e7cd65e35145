/**
 * Networks while containers come and go, with real containers (the runtime's rig):
 * stacks FINDINGS item 8 (after a scale-down from 3 workers to 1, `nslookup worker` in
 * another container timed out for 20 s+), and joining networks before the first start.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBusybox, makeRig, rmRoot, type Rig } from '../../engine/runtime/testkit.js';
import { BUSYBOX_CHANGES, busyboxTarball, requireTools } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';

requireRoot();
requireTools('conmon', 'busybox');

let rig: Rig;

beforeEach(async () => {
  rig = await makeRig(tempRoot('netscale'));
  await importBusybox(rig.images, busyboxTarball(), BUSYBOX_CHANGES);
});

afterEach(async () => {
  const root = rig.root;
  await rig.teardown();
  assertNoLeaks(root);
  rmRoot(root);
});

async function idle(name: string, endpoints: { network: string; aliases?: string[] }[], start = true): Promise<string> {
  const { id } = await rig.mgr.containerCreate({ image: 'busybox:test', name, cmd: ['sleep', '600'], stopSignal: 'KILL', network: { mode: 'bridge', endpoints } });
  if (start) await rig.mgr.containerStart(id);
  return id;
}

async function sh(id: string, script: string): Promise<{ code: number; out: string }> {
  const r = await rig.mgr.containerExec(id, { cmd: ['sh', '-c', script] });
  return { code: r.exitCode, out: r.stdout + r.stderr };
}

/** A-record addresses nslookup printed for `name` through the container's own resolver (127.0.0.11). */
async function lookup(id: string, name: string): Promise<string[]> {
  const r = await sh(id, `timeout 5 nslookup -type=a ${name}`);
  const answer = r.out.split(/^Name:/m).slice(1).join('\n');
  return [...answer.matchAll(/^Address:\s*([0-9.]+)$/gm)].map((m) => m[1]!).sort();
}

const ipOf = async (id: string, net: string): Promise<string> => (await rig.mgr.containerInspect(id)).networks[net]!.ipAddress;

describe('networks while containers come and go', () => {
  it('DNS answers right after a scale-down that removes replicas in parallel', async () => {
    await rig.networks.create({ name: 'shop' });
    const first = await idle('shop-worker-1', [{ network: 'shop', aliases: ['worker'] }]);
    const one = await ipOf(first, 'shop');
    // a fresh asker each round, started after the replicas: its neighbour cache learns the
    // gateway's MAC while they are attached (the bridge used to take the lowest port MAC,
    // and lose it with that port)
    for (let round = 0; round < 4; round++) {
      // scale up to 4 replicas (started in parallel), then down to 1 (removed in parallel)
      const extra = await Promise.all([2, 3, 4].map((k) => idle(`shop-worker-${k}`, [{ network: 'shop', aliases: ['worker'] }])));
      const api = await idle('shop-api-1', [{ network: 'shop', aliases: ['api'] }]);
      const all = await Promise.all([first, ...extra].map((w) => ipOf(w, 'shop')));
      expect(await lookup(api, 'worker')).toEqual(all.sort());
      await Promise.all(extra.map((w) => rig.mgr.containerRemove(w, { force: true })));
      expect(await lookup(api, 'worker'), `round ${round}`).toEqual([one]);
      expect(await lookup(api, 'shop-worker-1'), `round ${round}`).toEqual([one]);
      await rig.mgr.containerRemove(api, { force: true });
    }
  });

  it('a created container joins a network before its first start and is on both networks once started', async () => {
    await rig.networks.create({ name: 'front' });
    await rig.networks.create({ name: 'back' });
    const peerFront = await idle('peer-front', [{ network: 'front' }]);
    const peerBack = await idle('peer-back', [{ network: 'back' }]);
    const c = await idle('late', [{ network: 'front' }], false);
    await rig.mgr.networkConnect('back', c, { aliases: ['late-alias'] });
    await rig.mgr.containerStart(c);
    const nets = (await rig.mgr.containerInspect(c)).networks;
    expect(Object.keys(nets).sort()).toEqual(['back', 'front']);
    expect(await lookup(peerFront, 'late')).toEqual([nets.front!.ipAddress]);
    expect(await lookup(peerBack, 'late-alias')).toEqual([nets.back!.ipAddress]);
  });
});
