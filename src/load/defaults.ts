/**
 * Pass "defaults": what Compose adds to the merged model. The implicit `default` network
 * (attached to every service that names no network and has no network_mode, defined as
 * `<project>_default`), the `name:` of networks, volumes, secrets and configs
 * (`<project>_<key>`, or the key itself for external ones), and the build defaults
 * (context ".", dockerfile "Dockerfile"). Like Compose, links, volumes_from and
 * `service:` namespaces also become depends_on entries (when not already there), so every
 * start-order edge is in one place.
 */
import { isMap, type Tree } from './context.js';

export function applyDefaults(tree: Tree, project: string): void {
  const services = isMap(tree.services) ? tree.services : (tree.services = {});
  let usesDefault = false;
  for (const s of Object.values(services)) {
    if (!isMap(s)) continue;
    if (s.network_mode === undefined && (s.networks === undefined || (isMap(s.networks) && Object.keys(s.networks).length === 0))) {
      s.networks = { default: null };
    }
    if (isMap(s.networks) && 'default' in s.networks) usesDefault = true;
    implicitDependencies(s);
    // A secret without a target is mounted at /run/secrets/<source>; say so in the model.
    // compose-go does the same for build secrets (loader/full-struct_test.go).
    const lists = [s.secrets, isMap(s.build) ? s.build.secrets : undefined];
    for (const list of lists) if (Array.isArray(list)) for (const r of list) if (isMap(r) && typeof r.source === 'string' && r.target === undefined) r.target = `/run/secrets/${r.source}`;
    if (s.pull_policy === 'if_not_present') s.pull_policy = 'missing';
    if (isMap(s.build)) {
      if (s.build.context === undefined) s.build.context = '.';
      if (s.build.dockerfile === undefined && s.build.dockerfile_inline === undefined) s.build.dockerfile = 'Dockerfile';
    }
  }
  if (usesDefault) {
    const nets = isMap(tree.networks) ? tree.networks : (tree.networks = {});
    if (!isMap(nets.default)) nets.default = {};
  }
  for (const kind of ['networks', 'volumes', 'secrets', 'configs']) {
    const m = tree[kind];
    if (!isMap(m)) continue;
    for (const [k, v] of Object.entries(m)) {
      if (!isMap(v)) continue;
      if (typeof v.name === 'string' && v.name !== '') continue;
      v.name = v.external === true ? k : `${project}_${k}`;
    }
  }
}

function implicitDependencies(s: Tree): void {
  const add = (name: string, restart: boolean) => {
    const d = isMap(s.depends_on) ? s.depends_on : (s.depends_on = {});
    if (name in d) return;
    d[name] = restart ? { condition: 'service_started', restart: true, required: true } : { condition: 'service_started', required: true };
  };
  if (Array.isArray(s.links)) for (const l of s.links) if (typeof l === 'string') add(l.split(':')[0]!, true);
  for (const k of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
    const v = s[k];
    if (typeof v === 'string' && v.startsWith('service:')) add(v.slice(8), true);
  }
  if (Array.isArray(s.volumes_from)) {
    for (const v of s.volumes_from) {
      if (typeof v !== 'string' || v.startsWith('container:')) continue;
      add((v.startsWith('service:') ? v.slice(8) : v).split(':')[0]!, false);
    }
  }
}
