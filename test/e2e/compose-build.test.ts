/**
 * Images a stack builds, on the real engine: build on first up, `up --build` after a change
 * recreates the service because its image changed, post_start hooks run, profiles keep their
 * containers out of orphan handling, and `down --rmi local` removes the built image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeaks } from '../helpers/leaks.js';
import { requireRoot, tempRoot } from '../helpers/root.js';
import { BerthCli, writeFile } from '../fixtures/compose/cli.js';

requireRoot();

const BASE = 'berth-test/busybox:latest';
const project = `build${process.pid}`;
let root: string;
let dir: string;
let cli: BerthCli;

const dockerfile = (word: string) => `FROM ${BASE}\nRUN echo ${word} > /word.txt\nCMD ["sleep", "3600"]\n`;

beforeAll(() => {
  root = tempRoot('cbuild');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cbuild-'));
  cli = new BerthCli(root, dir);
  cli.importBusybox(BASE);
  writeFile(dir, 'app/Dockerfile', dockerfile('first'));
  writeFile(
    dir,
    'compose.yaml',
    `name: ${project}
services:
  app:
    build: ./app
    init: true
    post_start:
      - command: ["sh", "-c", "echo hooked > /tmp/hook.txt"]
  debug:
    image: ${BASE}
    init: true
    command: ["sleep", "3600"]
    profiles: [debug]
`,
  );
});

afterAll(() => {
  cli.run(['down', '-v', '-t', '1', '--rmi', 'local']);
  cli.stopEngine();
  fs.rmSync(dir, { recursive: true, force: true });
  assertNoLeaks(root);
  fs.rmSync(root, { recursive: true, force: true }); // only reached with nothing mounted under it
});

const sh = (service: string, script: string) => cli.run(['exec', '-T', service, 'sh', '-c', script]);

describe('built images', () => {
  it('builds on the first up, runs the post_start hook', () => {
    expect(cli.ok(['plan'], 2).stdout).toContain(`BuildImage ${project}-app: image not present`);
    cli.ok(['up', '-d']);
    expect(sh('app', 'cat /word.txt /tmp/hook.txt').stdout).toBe('first\nhooked\n');
    expect(cli.ok(['plan'], 0).stdout).toContain('nothing to do');
  });

  it('up --build after a change recreates the service for its new image', () => {
    const before = cli.ids(project)[`${project}-app-1`];
    writeFile(dir, 'app/Dockerfile', dockerfile('second'));
    const r = cli.ok(['up', '-d', '--build']);
    expect(r.stderr).toMatch(/Image .*-app +Built/);
    const after = cli.ids(project)[`${project}-app-1`];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(sh('app', 'cat /word.txt').stdout).toBe('second\n');
  });

  it('a profile-disabled service is not an orphan; down removes it; --rmi local removes the built image', () => {
    cli.ok(['--profile', 'debug', 'up', '-d']);
    const r = cli.ok(['up', '-d', '--remove-orphans']);
    expect(r.stderr).not.toContain('orphan');
    expect(cli.ids(project)[`${project}-debug-1`]).toBeDefined();
    cli.ok(['down', '--rmi', 'local', '-t', '1']);
    expect(cli.ids(project)).toEqual({});
    expect(cli.run(['image', 'inspect', `${project}-app`]).code).not.toBe(0);
    expect(cli.run(['image', 'inspect', BASE]).code).toBe(0);
  });
});
