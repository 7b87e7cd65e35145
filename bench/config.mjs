#!/usr/bin/env node
/**
 * `berth config` beside `docker-compose config` (v1, Debian package) on the same generated
 * project: 300 services, each extending one of 5 bases from another file, plus two override
 * files. Whole process, wall clock, rounds interleaved; median reported.
 *
 *   npm run build && node bench/config.mjs [--services 300] [--rounds 7]
 *
 * Installs docker-compose with apt-get if it is missing (it only parses files here; no
 * Docker engine is needed for `config`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = opt('services', 300);
const ROUNDS = opt('rounds', 7);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
if (!fs.existsSync(BIN)) throw new Error('run `npm run build` first');

function haveDockerCompose() {
  return spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
}
if (!haveDockerCompose()) {
  console.error('installing docker-compose (apt-get)...');
  execFileSync('apt-get', ['install', '-y', 'docker-compose'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function generate(dir) {
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  const bases = [];
  for (let b = 0; b < 5; b++) {
    bases.push(`  base${b}:
    image: "registry.local/base${b}:\${TAG:-1.0}"
    restart: unless-stopped
    environment:
      BASE: "${b}"
      LOG_LEVEL: info
    healthcheck:
      test: ["CMD", "true"]
      interval: 30s
    logging:
      driver: json-file
      options:
        max-size: 10m`);
  }
  fs.writeFileSync(path.join(dir, 'lib/common.yaml'), `services:\n${bases.join('\n')}\n`);
  const svcs = [];
  for (let i = 0; i < N; i++) {
    const deps = i > 0 ? `\n    depends_on:\n      - s${i - 1}` : '';
    svcs.push(`  s${i}:
    extends:
      file: lib/common.yaml
      service: base${i % 5}
    ports:
      - "${10000 + i}:80"
    environment:
      - INDEX=${i}
      - DB_URL=postgres://db:5432/s${i}
    volumes:
      - ./data/s${i}:/data
      - cache:/cache
    networks:
      - front
      - back${deps}`);
  }
  fs.writeFileSync(path.join(dir, 'compose.yaml'), `services:\n${svcs.join('\n')}\nnetworks:\n  front:\n  back:\nvolumes:\n  cache:\n`);
  const o1 = [];
  const o2 = [];
  for (let i = 0; i < N; i++) {
    o1.push(`  s${i}:\n    environment:\n      LOG_LEVEL: debug\n    ports:\n      - "${20000 + i}:443"`);
    if (i % 2 === 0) o2.push(`  s${i}:\n    labels:\n      com.example.tier: "${i % 3}"\n    volumes:\n      - ./override/s${i}:/data`);
  }
  fs.writeFileSync(path.join(dir, 'override1.yaml'), `services:\n${o1.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'override2.yaml'), `services:\n${o2.join('\n')}\n`);
}

function time(cmd, argv, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { PATH: process.env.PATH, HOME: os.homedir() } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}):\n${r.stderr.slice(0, 2000)}`);
  return { ms, out: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-config-'));
try {
  generate(dir);
  const files = ['-f', 'compose.yaml', '-f', 'override1.yaml', '-f', 'override2.yaml'];
  // Sanity: both see the same services, and the merge did what it should.
  const b = JSON.parse(time('node', [BIN, ...files, '-p', 'bench', 'config', '--format', 'json'], dir).out);
  if (Object.keys(b.services).length !== N) throw new Error('berth lost services');
  if (b.services.s0.environment.LOG_LEVEL !== 'debug' || b.services.s0.ports.length !== 2) throw new Error('berth merge wrong');
  time('docker-compose', [...files, '-p', 'bench', 'config'], dir);
  const rows = { berth: [], 'docker-compose': [] };
  for (let r = 0; r < ROUNDS; r++) {
    rows.berth.push(time('node', [BIN, ...files, '-p', 'bench', 'config'], dir).ms);
    rows['docker-compose'].push(time('docker-compose', [...files, '-p', 'bench', 'config'], dir).ms);
  }
  const version = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).stdout.trim();
  const mb = median(rows.berth);
  const md = median(rows['docker-compose']);
  console.log(`services: ${N}, files: 3 + 1 extended, rounds: ${ROUNDS}, node ${process.version}, docker-compose ${version}`);
  console.log('| tool | median ms | rounds (ms) |');
  console.log('|---|---|---|');
  for (const [k, v] of Object.entries(rows)) console.log(`| ${k} | ${Math.round(median(v))} | ${v.map((x) => Math.round(x)).join(' ')} |`);
  console.log(`ratio berth / docker-compose: ${(mb / md).toFixed(2)} (berth ${(md / mb).toFixed(1)}x faster)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
