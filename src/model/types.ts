/**
 * The typed, canonical Project: the shape `docker compose config --format json` prints,
 * after loading, interpolation, merging, validation and canonicalization.
 * Field names are the Compose Specification's (snake_case) so that the model serializes to
 * the canonical JSON as is. Durations stay strings as written ("30s"); helpers in
 * model/ parse them. Everything here is plain data (JSON-serializable) and treated as
 * immutable once built.
 */

export type Dict<T = string> = Record<string, T>;

export interface Project {
  name: string;
  /** Absolute working directory of the project (where relative paths resolve). */
  working_dir?: string;
  services: Dict<Service>;
  networks?: Dict<NetworkConfig>;
  volumes?: Dict<VolumeConfig>;
  secrets?: Dict<SecretConfig>;
  configs?: Dict<ConfigObjConfig>;
  /** Top-level x- extensions, kept. */
  [extension: `x-${string}`]: unknown;
}

export interface BuildConfig {
  context: string; // absolute
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Dict<string | null>;
  target?: string;
  labels?: Dict;
  network?: string;
  no_cache?: boolean;
  pull?: boolean;
  tags?: string[];
  platforms?: string[];
  additional_contexts?: Dict;
  cache_from?: string[];
  cache_to?: string[];
  extra_hosts?: Dict | string[];
  shm_size?: number | string;
  secrets?: ServiceSecretRef[];
  ssh?: string[];
  [k: string]: unknown;
}

export interface PortConfig {
  name?: string;
  mode?: 'ingress' | 'host';
  host_ip?: string;
  target: number;
  /** A single port or a range "8000-8010", as a string, as Compose prints it. */
  published?: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  app_protocol?: string;
}

export interface ServiceVolume {
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: 'z' | 'Z'; recursive?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  tmpfs?: { size?: number | string; mode?: number };
  image?: { subpath?: string };
}

export interface DependsOnConfig {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  restart?: boolean;
  required: boolean;
}

export interface HealthcheckConfig {
  test?: string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  start_interval?: string;
  disable?: boolean;
}

export interface ServiceNetworkConfig {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
  gw_priority?: number;
  driver_opts?: Dict;
  interface_name?: string;
}

export interface ServiceSecretRef {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface Ulimit {
  soft: number;
  hard: number;
}

export interface DevelopWatchRule {
  path: string; // absolute
  action: 'sync' | 'rebuild' | 'restart' | 'sync+restart' | 'sync+exec';
  target?: string;
  ignore?: string[];
  include?: string[];
  initial_sync?: boolean;
  exec?: { command: string[]; user?: string; privileged?: boolean; working_dir?: string; environment?: Dict };
}

export interface DeployConfig {
  mode?: string;
  replicas?: number;
  labels?: Dict;
  resources?: {
    limits?: { cpus?: string | number; memory?: string | number; pids?: number };
    reservations?: { cpus?: string | number; memory?: string | number; devices?: unknown[] };
  };
  restart_policy?: { condition?: 'none' | 'on-failure' | 'any'; delay?: string; max_attempts?: number; window?: string };
  [k: string]: unknown;
}

export interface Service {
  /** Not in the canonical JSON: the key under `services`. Filled by the binder for convenience. */
  name?: string;
  image?: string;
  build?: BuildConfig;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Dict<string | null>;
  env_file?: { path: string; required: boolean; format?: string }[];
  labels?: Dict;
  annotations?: Dict;
  container_name?: string;
  hostname?: string;
  domainname?: string;
  ports?: PortConfig[];
  expose?: string[];
  volumes?: ServiceVolume[];
  volumes_from?: string[];
  tmpfs?: string[];
  networks?: Dict<ServiceNetworkConfig | null>;
  network_mode?: string;
  depends_on?: Dict<DependsOnConfig>;
  links?: string[];
  external_links?: string[];
  healthcheck?: HealthcheckConfig;
  restart?: string;
  deploy?: DeployConfig;
  scale?: number;
  profiles?: string[];
  secrets?: ServiceSecretRef[];
  configs?: ServiceSecretRef[];
  user?: string;
  group_add?: string[];
  working_dir?: string;
  read_only?: boolean;
  stdin_open?: boolean;
  tty?: boolean;
  init?: boolean;
  privileged?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  ulimits?: Dict<Ulimit | number>;
  sysctls?: Dict<string | number>;
  shm_size?: string | number;
  extra_hosts?: Dict<string | string[]> | string[];
  dns?: string[];
  dns_search?: string[];
  dns_opt?: string[];
  stop_signal?: string;
  stop_grace_period?: string;
  mem_limit?: string | number;
  memswap_limit?: string | number;
  mem_reservation?: string | number;
  cpus?: number | string;
  cpu_shares?: number;
  cpuset?: string;
  pids_limit?: number;
  ipc?: string;
  pid?: string;
  pull_policy?: 'always' | 'never' | 'missing' | 'build' | 'if_not_present' | string;
  platform?: string;
  post_start?: { command: string[]; user?: string; privileged?: boolean; working_dir?: string; environment?: Dict }[];
  pre_stop?: { command: string[]; user?: string; privileged?: boolean; working_dir?: string; environment?: Dict }[];
  develop?: { watch?: DevelopWatchRule[] };
  /** Long form (the loader turns "SRC[:DST[:PERMS]]" into it). */
  devices?: { source: string; target: string; permissions?: string }[];
  logging?: { driver?: string; options?: Dict };
  [k: string]: unknown;
}

export interface NetworkConfig {
  name?: string;
  driver?: string;
  driver_opts?: Dict;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv6?: boolean;
  external?: boolean;
  labels?: Dict;
  ipam?: { driver?: string; config?: { subnet?: string; ip_range?: string; gateway?: string; aux_addresses?: Dict }[]; options?: Dict };
  [k: string]: unknown;
}

export interface VolumeConfig {
  name?: string;
  driver?: string;
  driver_opts?: Dict;
  external?: boolean;
  labels?: Dict;
  [k: string]: unknown;
}

export interface SecretConfig {
  name?: string;
  file?: string; // absolute
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Dict;
  [k: string]: unknown;
}

export type ConfigObjConfig = SecretConfig;
