/**
 * The daemon's lifecycle without root: startDaemon serving a FakeEngine on a temp root. One
 * engine per root (the abstract-socket lock), a stale socket replaced, the socket 0600, the
 * pid file, shutdown through the client, and the lock released for the next engine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineClient } from '../../engine/api/client.js';
import { startDaemon, type Daemon } from '../../engine/daemon/daemon.js';
import { acquireLock } from '../../engine/daemon/lock.js';
import { composeParts, standIn } from '../../engine/daemon/parts.js';
import { EventBus } from '../../engine/common/events.js';
import { naming } from '../../engine/common/naming.js';
import { FakeEngine } from '../helpers/fake-engine.js';

const dirs: string[] = [];
const daemons: Daemon[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bdm-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('test end');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('engine daemon lifecycle', () => {
  it('serves, refuses a second engine on the same root, stops on request and frees the root', async () => {
    const root = tmp();
    const logs: string[] = [];
    // what a dead engine leaves: its socket path occupied (the e2e test makes a real dead socket)
    fs.writeFileSync(path.join(root, 'engine.sock'), '');
    expect(fs.existsSync(path.join(root, 'engine.sock'))).toBe(true);

    const d = await startDaemon({ root, version: '9.9.9', log: (m) => logs.push(m), engine: new FakeEngine({ images: ['busybox'] }) });
    daemons.push(d);
    expect(fs.statSync(d.socketPath).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(root, 'engine.pid'), 'utf8').trim()).toBe(String(process.pid));
    const client = new EngineClient(d.socketPath);
    expect((await client.ping()).pid).toBe(process.pid);
    expect((await client.imageInspect('busybox')).repoTags).toEqual(['busybox:latest']);

    await expect(startDaemon({ root, version: '9.9.9', log: () => {}, engine: new FakeEngine() })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await client.ping()).pid).toBe(process.pid); // the first one still serves

    await client.shutdown();
    await d.stopped;
    daemons.pop();
    expect(fs.existsSync(d.socketPath)).toBe(false);
    expect(fs.existsSync(path.join(root, 'engine.pid'))).toBe(false);
    await expect(client.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(logs.some((l) => l.includes('listening on'))).toBe(true);

    const again = await startDaemon({ root, version: '9.9.9', log: () => {}, engine: new FakeEngine() });
    daemons.push(again);
    expect((await new EngineClient(again.socketPath).ping()).pid).toBe(process.pid);
  });

  it('locks per root: two roots do not interfere', async () => {
    const a = await acquireLock(tmp());
    const b = await acquireLock(tmp());
    a.release();
    b.release();
  });

  it('stands in for missing parts with a clear error', async () => {
    const ctx = { naming: naming(tmp()), events: new EventBus(), log: () => {} };
    const parts = composeParts(ctx, {});
    expect(parts.missing).toEqual(['images', 'networks', 'volumes', 'containers']);
    await parts.images.init();
    await expect(parts.images.list()).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/not implemented yet/) });
    expect(parts.containers.counts()).toEqual({ total: 0, running: 0, paused: 0, stopped: 0 });
    expect(await Promise.resolve(standIn('x'))).toBeDefined(); // not a thenable
  });
});

describe('connectEngine', () => {
  it('refuses a root whose socket path would not fit a unix socket address', async () => {
    const { connectEngine } = await import('../../src/app/engine.js');
    await expect(connectEngine({ root: `/tmp/${'x'.repeat(120)}`, autoStart: false })).rejects.toMatchObject({ code: 'INVALID', message: expect.stringMatching(/too long/) });
  });

  it('says UNAVAILABLE without starting anything when autoStart is false', async () => {
    const { connectEngine } = await import('../../src/app/engine.js');
    const root = tmp();
    await expect(connectEngine({ root, autoStart: false })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/not running/) });
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
