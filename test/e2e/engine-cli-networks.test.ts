/**
 * `berth network ...` and `berth volume ...` through the built CLI against a real engine:
 * Docker's flags reach the engine (subnet, gateway, ip-range, internal, labels, volume
 * options), output has Docker's shapes, errors carry the right exit code. Leak-checked.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { berth, buildOnce, daemonPid, waitGone, finishRoot } from '../conformance/cli.js';

let root: string;

beforeAll(() => {
  requireRoot();
  buildOnce();
  root = tempRoot('eng-net');
}, 180_000);

afterAll(async () => {
  await finishRoot(root);
});

describe('berth network and volume (CLI, real engine)', () => {
  it('creates, lists, inspects and removes networks', async () => {
    const c = await berth(root, ['network', 'create', '--subnet', '10.213.7.0/24', '--gateway', '10.213.7.1', '--ip-range', '10.213.7.128/25', '--internal', '--label', 'com.example.team=a', 'backnet']);
    expect(c.stderr).toBe('');
    const id = c.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const f = await berth(root, ['network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Internal}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{(index .IPAM.Config 0).IPRange}} {{.Labels}}', 'backnet']);
    expect(f.stdout).toBe('backnet bridge true 10.213.7.0/24 10.213.7.1 10.213.7.128/25 map[com.example.team:a]\n');
    const ls = await berth(root, ['network', 'ls', '--filter', 'label=com.example.team=a']);
    expect(ls.stdout).toMatch(new RegExp(`^NETWORK ID\\s+NAME\\s+DRIVER\\s+SCOPE\\n${id.slice(0, 12)}\\s+backnet\\s+bridge\\s+local\\n$`));
    expect((await berth(root, ['network', 'ls', '-q', '--filter', 'name=backnet'])).stdout).toBe(`${id.slice(0, 12)}\n`);
    const dup = await berth(root, ['network', 'create', 'backnet']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/backnet/);
    expect((await berth(root, ['network', 'rm', 'backnet'])).stdout).toBe('backnet\n');
    const gone = await berth(root, ['network', 'inspect', 'backnet']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No such network: backnet');
  });

  it('creates, lists, inspects, prunes and removes volumes', async () => {
    expect((await berth(root, ['volume', 'create', '--label', 'k=v', 'data1'])).stdout).toBe('data1\n');
    const anonRes = await berth(root, ['volume', 'create']);
    expect(anonRes.stderr).toBe('');
    const anon = anonRes.stdout.trim();
    expect(anon).toMatch(/^[0-9a-f]{16,64}$/);
    const f = await berth(root, ['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels.k}} {{.Scope}}', 'data1']);
    expect(f.stdout).toBe('data1 local v local\n');
    const mp = (await berth(root, ['volume', 'inspect', '-f', '{{.Mountpoint}}', 'data1'])).stdout.trim();
    expect(fs.existsSync(mp)).toBe(true);
    expect((await berth(root, ['volume', 'ls', '-q', '--filter', 'label=k=v'])).stdout).toBe('data1\n');
    const table = await berth(root, ['volume', 'ls']);
    expect(table.stdout.split('\n')[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(table.stdout).toMatch(/local\s+data1/);
    // prune without --all keeps named volumes (Docker 23+), and asks unless -f
    const declined = await berth(root, ['volume', 'prune'], { input: 'n\n' });
    expect(declined.stdout).toContain('Are you sure you want to continue? [y/N]');
    expect((await berth(root, ['volume', 'ls', '-q'])).stdout.trim().split('\n').sort()).toEqual([anon, 'data1'].sort());
    const pr = await berth(root, ['volume', 'prune', '-f']);
    expect(pr.stdout).toContain(anon);
    expect((await berth(root, ['volume', 'ls', '-q'])).stdout).toBe('data1\n');
    expect((await berth(root, ['volume', 'rm', 'data1', 'nosuch'])).code).toBe(1);
    expect((await berth(root, ['volume', 'ls', '-q'])).stdout).toBe('');

    const pid = daemonPid(root)!;
    expect((await berth(root, ['engine', 'stop'])).code).toBe(0);
    await waitGone(pid);
    assertNoLeaks(root);
  });
});
