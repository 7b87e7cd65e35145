/**
 * Pass "defaults": what Compose adds to the merged model. The implicit `default` network
 * (attached to every service that names no network and has no network_mode, defined as
 * `<project>_default`), the `name:` of networks, volumes, secrets and configs
 * (`<project>_<key>`, or the key itself for external ones), and the build defaults
 * (context ".", dockerfile "Dockerfile").
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
