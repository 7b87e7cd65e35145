/**
 * The last touch before printing: the canonical model in the exact shape `docker compose
 * config` prints, which is compose-go's types marshalled by Go's encoding/json or yaml
 * (facts from compose-go `types/types.go` json tags and `loader/full-struct_test.go`):
 *  - sizes are byte counts written as strings (`UnitBytes`: "536870912"), durations are
 *    Go durations (`time.Duration.String()`: "1m30s", "1m0s", "500ms");
 *  - an empty value of an omitempty field is not printed (`false`, 0, "", [], {}: see
 *    SERVICE_KEEP_EMPTY for the service fields Go prints anyway);
 *  - extra_hosts is a sorted list of "host=ip";
 *  - env_file is dropped: `docker compose` loads with WithDiscardEnvFile, so the files'
 *    values are already in `environment`.
 * JSON only (Go's encoding/json has no omitempty for these):
 *  - `command` and `entrypoint` are always there (null when unset);
 *  - a network always has `ipam` ({} when unset), a deploy always has `resources` and
 *    `placement`;
 *  - x- extensions of services, networks, volumes, secrets and configs are not printed
 *    (json:"-"); the top-level ones are.
 * The model itself keeps what the user wrote; only the printed form changes.
 */
import { parseDuration, parseSize } from '../model/units.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's time.Duration.String() of a count of milliseconds. */
export function goDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  if (neg) ns = -ns;
  let out: string;
  if (ns < 1e9) {
    // Below a second Go picks one unit: ns, µs or ms, with a fraction.
    const [unit, div] = ns < 1e3 ? ['ns', 1] : ns < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    out = trimFraction(ns / (div as number)) + unit;
  } else {
    const h = Math.floor(ns / 3.6e12);
    const m = Math.floor((ns % 3.6e12) / 6e10);
    const s = (ns % 6e10) / 1e9;
    out = (h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m` : '') + trimFraction(s) + 's';
  }
  return (neg ? '-' : '') + out;
}

function trimFraction(n: number): string {
  return String(Number(n.toFixed(9)));
}

function toDuration(v: unknown): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  const ms = parseDuration(v);
  return ms === undefined ? v : goDuration(ms);
}

function toBytes(v: unknown): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  if (String(v).trim() === '-1') return '-1';
  const n = parseSize(v);
  return n === undefined ? v : String(n);
}

function mapKeys(o: unknown, keys: string[], f: (v: unknown) => unknown): void {
  if (!isObj(o)) return;
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) o[k] = f(o[k]);
}

const SERVICE_BYTES = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'];
/**
 * Service fields Go prints even when empty: pointers to structs ({} when set) and to scalars
 * (init: false), and the two ShellCommands. Every other service field is `omitempty`: an empty
 * string (`platform: ${DOCKER_PLATFORM:-}`), false, 0, [] or {} is not printed.
 */
const SERVICE_KEEP_EMPTY = new Set(['command', 'entrypoint', 'healthcheck', 'deploy', 'build', 'logging', 'blkio_config', 'develop', 'credential_spec', 'provider', 'extends', 'init', 'attach', 'scale']);
const HEALTH_DURATIONS = ['interval', 'timeout', 'start_period', 'start_interval'];
const UPDATE_DURATIONS = ['delay', 'monitor'];

function isGoZero(v: unknown): boolean {
  if (v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObj(v) && Object.keys(v).length === 0;
}

function dropFalse(o: unknown, keys: string[]): void {
  if (!isObj(o)) return;
  for (const k of keys) if (o[k] === false) delete o[k];
}

function dropExtensions(o: unknown): void {
  if (!isObj(o)) return;
  for (const k of Object.keys(o)) if (k.startsWith('x-')) delete o[k];
}

function shapeService(s: Obj, json: boolean): void {
  delete s.env_file;
  if (Array.isArray(s.extra_hosts)) s.extra_hosts = [...s.extra_hosts].sort();
  mapKeys(s, SERVICE_BYTES, toBytes);
  mapKeys(s, ['stop_grace_period'], toDuration);
  for (const [k, v] of Object.entries(s)) {
    const zero = isGoZero(v) || (SERVICE_BYTES.includes(k) && v === '0');
    if (zero && !SERVICE_KEEP_EMPTY.has(k) && !k.startsWith('x-')) delete s[k];
  }
  if (isObj(s.healthcheck)) {
    mapKeys(s.healthcheck, HEALTH_DURATIONS, toDuration);
    dropFalse(s.healthcheck, ['disable']);
  }
  if (isObj(s.build)) mapKeys(s.build, ['shm_size'], toBytes);
  // provider.options is compose-go's MultiOptions (map[string][]string): every value a list.
  if (isObj(s.provider) && isObj(s.provider.options)) {
    const o = s.provider.options;
    for (const [k, v] of Object.entries(o)) o[k] = (Array.isArray(v) ? v : [v]).map((x) => (x === null ? '' : String(x)));
  }
  if (Array.isArray(s.volumes)) {
    for (const v of s.volumes) {
      if (!isObj(v)) continue;
      dropFalse(v, ['read_only']);
      if (isObj(v.tmpfs)) mapKeys(v.tmpfs, ['size'], toBytes);
    }
  }
  if (isObj(s.deploy)) {
    const d = s.deploy;
    for (const k of ['update_config', 'rollback_config']) mapKeys(d[k], UPDATE_DURATIONS, toDuration);
    mapKeys(d.restart_policy, ['delay', 'window'], toDuration);
    if (isObj(d.resources)) for (const k of ['limits', 'reservations']) mapKeys(d.resources[k], ['memory'], toBytes);
    if (json) {
      d.resources ??= {};
      d.placement ??= {};
    }
  }
  if (json) {
    if (!('command' in s)) s.command = null;
    if (!('entrypoint' in s)) s.entrypoint = null;
    dropExtensions(s);
  }
}

/** Reshapes a (fresh, already copied) canonical object in place; returns it. */
export function composeShape(out: Obj, format: 'json' | 'yaml'): Obj {
  const json = format === 'json';
  if (isObj(out.services)) for (const s of Object.values(out.services)) if (isObj(s)) shapeService(s, json);
  for (const kind of ['networks', 'volumes', 'secrets', 'configs']) {
    const m = out[kind];
    if (!isObj(m)) continue;
    for (const r of Object.values(m)) {
      if (!isObj(r)) continue;
      // omitempty here too (external: false, labels: {}); enable_ipv6 is a *bool, kept.
      for (const [k, v] of Object.entries(r)) if (k !== 'enable_ipv6' && k !== 'ipam' && !k.startsWith('x-') && isGoZero(v)) delete r[k];
      if (json) {
        dropExtensions(r);
        if (kind === 'networks') r.ipam ??= {};
      }
    }
  }
  return out;
}
