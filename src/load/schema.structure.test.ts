import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, test } from 'vitest';
import { schemaFile } from './schema.js';

type Node = Record<string, unknown>;
const schema = JSON.parse(readFileSync(schemaFile(), 'utf8')) as Node & { definitions: Record<string, Node> };

function walk(node: unknown, at: string, visit: (n: Node, at: string) => void): void {
  if (Array.isArray(node)) node.forEach((x, i) => walk(x, `${at}/${i}`, visit));
  else if (node && typeof node === 'object') {
    visit(node as Node, at);
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`, visit);
  }
}

function resolve(node: Node): Node {
  const ref = node.$ref;
  if (typeof ref === 'string') return resolve(schema.definitions[ref.replace('#/definitions/', '')]!);
  return node;
}

function keysOf(def: string): string[] {
  return Object.keys((schema.definitions[def]!.properties ?? {}) as Node);
}

test('the schema file is found from the package root', () => {
  const file = schemaFile();
  expect(existsSync(file)).toBe(true);
  expect(existsSync(`${dirname(dirname(file))}/package.json`)).toBe(true);
});

test('a node holding anyOf/oneOf holds nothing else but annotations', () => {
  // The validator re-checks such a node branch by branch; a sibling keyword would be lost.
  const annotations = new Set(['anyOf', 'oneOf', 'expect', 'description']);
  const bad: string[] = [];
  walk(schema, '#', (n, at) => {
    if ((n.anyOf || n.oneOf) && Object.keys(n).some((k) => !annotations.has(k))) bad.push(at);
  });
  expect(bad).toEqual([]);
});

test('every closed mapping accepts x- extensions, except the few the Spec keeps closed', () => {
  const closedOnPurpose = new Set(['#/definitions/extends_long']);
  const bad: string[] = [];
  walk(schema, '#', (n, at) => {
    if (n.additionalProperties !== false || closedOnPurpose.has(at)) return;
    const pp = n.patternProperties as Node | undefined;
    if (!pp || !('^x-' in pp)) bad.push(at);
  });
  expect(bad).toEqual([]);
});

test('propertyNames are written inline', () => {
  // ajv tags errors with the offending key name only when the name schema is not a $ref.
  const bad: string[] = [];
  walk(schema, '#', (n, at) => {
    if (n.propertyNames && (n.propertyNames as Node).$ref) bad.push(at);
  });
  expect(bad).toEqual([]);
});

test('every $ref resolves', () => {
  const bad: string[] = [];
  walk(schema, '#', (n, at) => {
    if (typeof n.$ref === 'string' && !schema.definitions[n.$ref.replace('#/definitions/', '')]) bad.push(at);
  });
  expect(bad).toEqual([]);
});

// The attribute lists of the Compose Specification (05-services.md, build.md, deploy.md,
// develop.md, 06-networks.md, 07-volumes.md, 08-configs.md, 09-secrets.md, 14-include.md).
describe('the schema covers every attribute the Spec defines', () => {
  const cases: [string, string[]][] = [
    [
      'service',
      [
        'annotations', 'attach', 'build', 'blkio_config', 'cpu_count', 'cpu_percent', 'cpu_shares',
        'cpu_period', 'cpu_quota', 'cpu_rt_runtime', 'cpu_rt_period', 'cpus', 'cpuset', 'cap_add',
        'cap_drop', 'cgroup', 'cgroup_parent', 'command', 'configs', 'container_name',
        'credential_spec', 'depends_on', 'deploy', 'develop', 'device_cgroup_rules', 'devices',
        'dns', 'dns_opt', 'dns_search', 'domainname', 'entrypoint', 'env_file', 'environment',
        'expose', 'extends', 'external_links', 'extra_hosts', 'gpus', 'group_add', 'healthcheck',
        'hostname', 'image', 'init', 'ipc', 'isolation', 'labels', 'label_file', 'links', 'logging',
        'mac_address', 'mem_limit', 'mem_reservation', 'mem_swappiness', 'memswap_limit', 'models',
        'network_mode', 'networks', 'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit',
        'platform', 'ports', 'post_start', 'pre_stop', 'privileged', 'profiles', 'provider',
        'pull_policy', 'read_only', 'restart', 'runtime', 'scale', 'secrets', 'security_opt',
        'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt', 'sysctls',
        'tmpfs', 'tty', 'ulimits', 'use_api_socket', 'user', 'userns_mode', 'uts', 'volumes',
        'volumes_from', 'working_dir',
      ],
    ],
    [
      'build_long',
      [
        'context', 'dockerfile', 'dockerfile_inline', 'args', 'ssh', 'cache_from', 'cache_to',
        'additional_contexts', 'entitlements', 'extra_hosts', 'isolation', 'privileged', 'labels',
        'no_cache', 'pull', 'network', 'shm_size', 'target', 'secrets', 'tags', 'ulimits', 'platforms',
      ],
    ],
    [
      'deploy',
      ['endpoint_mode', 'labels', 'mode', 'placement', 'replicas', 'resources', 'restart_policy',
        'rollback_config', 'update_config'],
    ],
    ['resource_limits', ['cpus', 'memory', 'pids']],
    ['resource_reservations', ['cpus', 'memory', 'devices', 'generic_resources']],
    ['device_request', ['capabilities', 'driver', 'count', 'device_ids', 'options']],
    ['restart_policy', ['condition', 'delay', 'max_attempts', 'window']],
    ['update_config', ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order']],
    ['watch_rule', ['action', 'exec', 'ignore', 'include', 'initial_sync', 'path', 'target']],
    ['hook', ['command', 'user', 'privileged', 'working_dir', 'environment']],
    ['healthcheck', ['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable']],
    ['service_network', ['aliases', 'interface_name', 'ipv4_address', 'ipv6_address', 'link_local_ips',
      'mac_address', 'driver_opts', 'gw_priority', 'priority']],
    ['port_long', ['target', 'published', 'host_ip', 'protocol', 'app_protocol', 'mode', 'name']],
    ['service_volume_long', ['type', 'source', 'target', 'read_only', 'bind', 'volume', 'tmpfs', 'image',
      'consistency']],
    ['service_file_ref_long', ['source', 'target', 'uid', 'gid', 'mode']],
    ['depends_on_entry', ['condition', 'restart', 'required']],
    ['env_file_long', ['path', 'required', 'format']],
    ['network', ['driver', 'driver_opts', 'attachable', 'enable_ipv4', 'enable_ipv6', 'external', 'ipam',
      'internal', 'labels', 'name']],
    ['ipam', ['driver', 'config', 'options']],
    ['ipam_config', ['subnet', 'ip_range', 'gateway', 'aux_addresses']],
    ['volume', ['driver', 'driver_opts', 'external', 'labels', 'name']],
    ['config', ['file', 'environment', 'content', 'external', 'name']],
    ['secret', ['file', 'environment', 'external', 'name']],
    ['include_long', ['path', 'project_directory', 'env_file']],
  ];
  test.each(cases)('%s', (def, attributes) => {
    expect(keysOf(def)).toEqual(expect.arrayContaining(attributes));
  });

  test('top level', () => {
    expect(Object.keys(schema.properties as Node)).toEqual(
      expect.arrayContaining(['version', 'name', 'include', 'services', 'networks', 'volumes', 'secrets', 'configs']),
    );
  });

  test('every service attribute has a definition that resolves', () => {
    for (const [key, node] of Object.entries(schema.definitions.service!.properties as Record<string, Node>)) {
      expect(resolve(node), key).toBeTruthy();
    }
  });
});
