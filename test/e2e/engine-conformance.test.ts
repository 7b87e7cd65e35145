/**
 * The engine conformance suite against the real daemon, through EngineClient over its unix
 * socket: the same behaviour the FakeEngine promises (test/unit/engine-fake-conformance.test.ts).
 * The daemon is started by the built CLI on a fresh root; busybox is imported first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineClient } from '../../engine/api/client.js';
import { BUSYBOX_CHANGES, busyboxTarball } from '../helpers/busybox.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { berth, buildOnce, daemonPid, daemonsFor, removeBuild, waitGone } from '../conformance/cli.js';
import { engineConformance } from '../conformance/engine-conformance.js';

let root = '';

engineConformance(
  'real engine through the client',
  async () => {
    requireRoot();
    buildOnce();
    root = tempRoot('eng-conf');
    const started = await berth(root, ['engine', 'start']);
    if (started.code !== 0) throw new Error(`engine start failed: ${started.stderr}`);
    const client = new EngineClient(path.join(root, 'engine.sock'));
    await client.imageImport(fs.createReadStream(busyboxTarball()), 'conformance-busybox:1', BUSYBOX_CHANGES);
    return client;
  },
  {
    image: 'conformance-busybox:1',
    teardown: async (engine) => {
      await engine.imageRemove('conformance-busybox:1', { force: true });
      const pid = daemonPid(root);
      const stop = await berth(root, ['engine', 'stop']);
      if (stop.code !== 0) throw new Error(`engine stop failed: ${stop.stderr}`);
      if (pid) await waitGone(pid);
      try {
        assertNoLeaks(root);
      } finally {
        for (const p of daemonsFor(root)) process.kill(p, 'SIGTERM');
        fs.rmSync(root, { recursive: true, force: true });
        removeBuild();
      }
    },
  },
);
