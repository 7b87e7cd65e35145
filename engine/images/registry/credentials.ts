/**
 * Registry credentials: berth's own file under the engine root (mode 0600, Docker's
 * config.json shape: {"auths": {"server": {"auth": base64("user:pass")}}}), falling back to
 * Docker's ~/.docker/config.json (or $DOCKER_CONFIG) when present.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readJson, writeFileAtomic } from '../../common/fsutil.js';

export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/** Docker's key for Docker Hub in config.json. */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

function keysFor(server: string): string[] {
  if (server === 'docker.io') return HUB_KEYS;
  return [server, `https://${server}`, `http://${server}`, `https://${server}/v1/`, `https://${server}/v2/`];
}

function decode(e: { auth?: string; username?: string; password?: string } | undefined): Credentials | undefined {
  if (!e) return undefined;
  if (e.auth) {
    const s = Buffer.from(e.auth, 'base64').toString();
    const i = s.indexOf(':');
    if (i > 0) return { username: s.slice(0, i), password: s.slice(i + 1) };
  }
  if (e.username && e.password) return { username: e.username, password: e.password };
  return undefined;
}

export class CredentialStore {
  constructor(
    private file: string,
    private env: NodeJS.ProcessEnv = process.env,
  ) {}

  private dockerConfig(): string {
    const dir = this.env.DOCKER_CONFIG || path.join(this.env.HOME || os.homedir(), '.docker');
    return path.join(dir, 'config.json');
  }

  async get(server: string): Promise<Credentials | undefined> {
    for (const file of [this.file, this.dockerConfig()]) {
      const cfg = await readJson<AuthFile>(file).catch(() => undefined);
      for (const k of keysFor(server)) {
        const c = decode(cfg?.auths?.[k]);
        if (c) return c;
      }
    }
    return undefined;
  }

  async set(server: string, c: Credentials): Promise<void> {
    const cfg = (await readJson<AuthFile>(this.file).catch(() => undefined)) ?? {};
    cfg.auths = cfg.auths ?? {};
    const key = server === 'docker.io' ? HUB_KEYS[0]! : server;
    cfg.auths[key] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
    await writeFileAtomic(this.file, JSON.stringify(cfg, null, 2) + '\n', 0o600);
    await fs.chmod(this.file, 0o600);
  }
}
