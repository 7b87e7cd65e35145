/** The parts of the local driver that need no mounts (no root): records, filters, errors. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../common/events.js';
import type { RunOptions, RunResult } from '../common/exec.js';
import { naming } from '../common/naming.js';
import { LocalVolumeManager } from './manager.js';

let root: string;
let calls: string[][];
let vols: LocalVolumeManager;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-vol-'));
  calls = [];
  const exec = async (cmd: string, args: string[], _o?: RunOptions): Promise<RunResult> => {
    calls.push([cmd, ...args]);
    return { code: 0, stdout: '', stderr: '' };
  };
  vols = new LocalVolumeManager({ naming: naming(root), events: new EventBus(), log: () => {} }, exec);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('local volume records', () => {
  it('creates named and anonymous volumes; creating an existing name returns it', async () => {
    const v = await vols.create({ name: 'data', labels: { a: '1' } });
    expect(v).toMatchObject({ name: 'data', driver: 'local', scope: 'local', anonymous: false, labels: { a: '1' }, usedBy: [] });
    expect(v.mountpoint).toBe(path.join(root, 'volumes', 'data', '_data'));
    expect(fs.statSync(v.mountpoint).isDirectory()).toBe(true);
    expect((await vols.create({ name: 'data' })).created).toBe(v.created);
    const anon = await vols.create({});
    expect(anon.name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.anonymous).toBe(true);
  });
  it('rejects bad names, drivers and driver options', async () => {
    await expect(vols.create({ name: '-x' })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(vols.create({ name: 'x/y' })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(vols.create({ name: 'nfs1', driver: 'nfs' })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(vols.create({ name: 'o1', driverOpts: { colour: 'red' } })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(vols.create({ name: 'o2', driverOpts: { type: 'tmpfs' } })).rejects.toMatchObject({ code: 'INVALID', message: expect.stringContaining('device') });
  });
  it('filters by name, label, label!, dangling and driver', async () => {
    await vols.create({ name: 'web-data', labels: { app: 'web', tier: 'front' } });
    await vols.create({ name: 'db-data', labels: { app: 'db' } });
    await vols.resolve('c'.repeat(64), { type: 'volume', source: 'db-data', target: '/d' }, '');
    const names = async (f: Record<string, string[]>) => (await vols.list(f)).map((v) => v.name).sort();
    expect(await names({ name: ['web'] })).toEqual(['web-data']);
    expect(await names({ label: ['app'] })).toEqual(['db-data', 'web-data']);
    expect(await names({ label: ['app=web', 'tier=front'] })).toEqual(['web-data']);
    expect(await names({ 'label!': ['tier'] })).toEqual(['db-data']);
    expect(await names({ dangling: ['true'] })).toEqual(['web-data']);
    expect(await names({ dangling: ['false'] })).toEqual(['db-data']);
    expect(await names({ driver: ['local'] })).toEqual(['db-data', 'web-data']);
  });
  it('names the container that holds a volume; force removes anyway', async () => {
    const id = 'a'.repeat(64);
    await vols.resolve(id, { type: 'volume', source: 'held', target: '/d' }, '', 'api-1');
    expect((await vols.inspect('held')).usedBy).toEqual([id]);
    await expect(vols.remove('held')).rejects.toMatchObject({ code: 'IN_USE', message: expect.stringContaining('api-1') });
    await vols.remove('held', { force: true });
    await expect(vols.inspect('held')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(vols.remove('held')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
  it('turns tmpfs and bind requests into runtime mounts', async () => {
    expect(await vols.resolve('x', { type: 'tmpfs', target: '/t', tmpfsSize: 65536, tmpfsMode: 0o700, readOnly: true }, '')).toEqual({
      source: 'tmpfs',
      target: '/t',
      type: 'tmpfs',
      options: ['nosuid', 'nodev', 'noexec', 'ro', 'size=65536', 'mode=0700'],
    });
    expect(await vols.resolve('x', { type: 'bind', source: root, target: '/h' }, '')).toEqual({ source: root, target: '/h', type: 'bind', options: ['rbind', 'rw', 'rprivate'] });
    await expect(vols.resolve('x', { type: 'bind', source: 'relative/path', target: '/h' }, '')).rejects.toMatchObject({ code: 'INVALID' });
    await expect(vols.resolve('x', { type: 'volume', source: 'v', target: 'relative' }, '')).rejects.toMatchObject({ code: 'INVALID' });
  });
  it('mounts subpaths of a volume only when they exist inside it', async () => {
    const v = await vols.create({ name: 'sub' });
    fs.mkdirSync(path.join(v.mountpoint, 'conf'));
    expect((await vols.resolve('x', { type: 'volume', source: 'sub', target: '/c', subpath: 'conf' }, '')).source).toBe(path.join(v.mountpoint, 'conf'));
    await expect(vols.resolve('x', { type: 'volume', source: 'sub', target: '/c', subpath: 'missing' }, '')).rejects.toMatchObject({ code: 'INVALID' });
    await expect(vols.resolve('x', { type: 'volume', source: 'sub', target: '/c', subpath: '../../etc' }, '')).rejects.toMatchObject({ code: 'INVALID' });
  });
  it('init removes half-deleted trees and volume directories without a record', async () => {
    fs.mkdirSync(path.join(root, 'volumes', '.deleting-old-1', '_data'), { recursive: true });
    fs.mkdirSync(path.join(root, 'volumes', 'orphan', '_data'), { recursive: true });
    await vols.create({ name: 'kept' });
    await vols.init();
    expect(fs.readdirSync(path.join(root, 'volumes')).filter((n) => !n.startsWith('.lock'))).toEqual(['kept']);
  });
});
