/**
 * The everyday commands on the real engine: exec (exit code, piped input), run --rm and -d,
 * stop/start/restart, pause/unpause, kill, rm, port, a taken port naming its holder, the
 * project lock, secrets/configs/bind mounts and network isolation.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { BIN, BerthCli, eventually, freePort, psRows, writeFile } from '../fixtures/compose/cli.js';
import { lockProject } from '../../src/app/lock.js';
import { systemClock } from '../../src/progress/events.js';

requireRoot();

const IMAGE = 'berth-test/busybox:latest';
const project = `life${process.pid}`;
let root: string;
let dir: string;
let cli: BerthCli;
let port: number;

beforeAll(async () => {
  root = tempRoot('clife');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-clife-'));
  cli = new BerthCli(root, dir);
  cli.importBusybox(IMAGE);
  port = await freePort();
  writeFile(dir, 'secret.txt', 's3cret\n');
  writeFile(dir, 'data/file.txt', 'from the host\n');
  writeFile(
    dir,
    'compose.yaml',
    `name: ${project}
services:
  web:
    image: ${IMAGE}
    init: true
    command: ["httpd", "-f", "-p", "80"]
    ports: ["127.0.0.1:${port}:80"]
    networks: { front: { aliases: [www] } }
    secrets: [token]
    configs: [{ source: motd, target: /etc/motd }]
    volumes: ["./data:/data:ro"]
  worker:
    image: ${IMAGE}
    init: true
    command: ["sleep", "3600"]
    networks: [front, back]
  db:
    image: ${IMAGE}
    init: true
    command: ["sleep", "3600"]
    networks: [back]
secrets:
  token: { file: ./secret.txt }
configs:
  motd: { content: "welcome" }
networks:
  front: {}
  back: {}
`,
  );
  cli.ok(['up', '-d']);
});

afterAll(() => {
  cli.run(['down', '-v', '-t', '1']);
  cli.stopEngine();
  fs.rmSync(dir, { recursive: true, force: true });
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true }); // only reached with nothing mounted under it
});

const sh = (service: string, script: string) => cli.run(['exec', '-T', service, 'sh', '-c', script]);

describe('everyday commands', () => {
  it('exec passes the exit code and output; files, secrets and configs are in place', () => {
    const r = sh('web', 'cat /run/secrets/token /etc/motd; echo; cat /data/file.txt; exit 7');
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('s3cret\nwelcome\nfrom the host\n');
    expect(sh('web', 'echo x > /data/nope').code).not.toBe(0); // read-only bind
    expect(sh('web', 'echo x > /run/secrets/token').code).not.toBe(0); // secrets are read-only
  });

  it('networks: aliases resolve, and a service on another network is not reachable', () => {
    expect(sh('worker', 'ping -c1 -W2 www >/dev/null && ping -c1 -W2 db >/dev/null && echo ok').stdout).toBe('ok\n');
    expect(sh('web', 'ping -c1 -W2 db >/dev/null 2>&1 && echo reached || echo isolated').stdout).toBe('isolated\n');
  });

  it('run --rm gives the one-off exit code and leaves no container; run -d prints its name', () => {
    const r = cli.run(['run', '--rm', 'worker', 'sh', '-c', 'echo one-off; exit 5']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('one-off');
    const d = cli.ok(['run', '-d', 'worker', 'sleep', '60']).stdout.trim();
    expect(d).toMatch(new RegExp(`^${project}-worker-run-[0-9a-f]+$`));
    const names = psRows(cli.ok(['ps', '-a', '--format', 'json']).stdout).map((x) => x.Name);
    expect(names.filter((n) => String(n).includes('-run-'))).toEqual([d]);
    cli.ok(['rm', '-s', '-f', 'worker']);
    cli.ok(['up', '-d']);
  });

  it('stop, start, restart keep the containers; pause and unpause; kill', () => {
    const ids = cli.ids(project);
    cli.ok(['stop', '-t', '1']);
    expect(psRows(cli.ok(['ps', '-a', '--format', 'json']).stdout).every((x) => x.State === 'exited')).toBe(true);
    cli.ok(['start']);
    cli.ok(['restart', 'worker']);
    expect(cli.ids(project)).toEqual(ids);
    cli.ok(['pause', 'db']);
    expect(psRows(cli.ok(['ps', '--format', 'json', 'db']).stdout)[0]?.State).toBe('paused');
    cli.ok(['unpause', 'db']);
    cli.ok(['kill', '-s', 'SIGKILL', 'db']);
    expect(psRows(cli.ok(['ps', '-a', '--format', 'json', 'db']).stdout)[0]?.State).toBe('exited');
    cli.ok(['up', '-d']);
    expect(cli.ok(['port', 'web', '80']).stdout.trim()).toBe(`127.0.0.1:${port}`);
  });

  it('a taken port names its holder', async () => {
    const taken = await freePort();
    const server = net.createServer().listen(taken, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const d = path.join(dir, 'clash');
      writeFile(d, 'compose.yaml', `name: clash${process.pid}\nservices:\n  s:\n    image: ${IMAGE}\n    command: ["sleep", "60"]\n    ports: ["127.0.0.1:${taken}:80"]\n`);
      const r = cli.run(['up', '-d'], { cwd: d });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      // The holder is this test's process: the engine names it by pid and command.
      expect(r.stderr).toMatch(new RegExp(`${taken}.*in use.*(node|${process.pid})`));
      cli.ok(['down'], 0, { cwd: d });
    } finally {
      server.close();
    }
  });

  it('a second command on the project waits for the first and says so', async () => {
    // This test holds the project's lock itself, as a running berth command would.
    const held = await lockProject(path.join(root, 'compose-locks'), project, systemClock, () => {});
    const second = spawn(process.execPath, [BIN, 'up', '-d'], { cwd: dir, env: cli.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    second.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => second.once('exit', r));
    await eventually('the waiting notice', () => err.includes('waiting for another berth command on project'), 20_000);
    expect(second.exitCode).toBeNull();
    held.release();
    expect(await exited).toBe(0);
  });
});
