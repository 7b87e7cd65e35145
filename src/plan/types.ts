/**
 * The plan's vocabulary: what berth saw on the engine (ObservedState, plain data rebuilt from
 * labels), the options of a reconcile, and the Plan: a DAG of operations, each one engine
 * step, each saying why it exists (`cause`) and what it waits for (`after`).
 */

// ---------------------------------------------------------------- observed state

export type ObservedStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ObservedContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  oneoff: boolean;
  status: ObservedStatus;
  exitCode: number;
  health?: 'none' | 'starting' | 'healthy' | 'unhealthy';
  /** com.docker.compose.config-hash */
  configHash: string;
  /** berth's per-field hashes, so a recreate can say which field changed. */
  fieldHashes?: Record<string, string>;
  /** The image id the container was created from (the com.docker.compose.image label). */
  imageId?: string;
  /** Services it depends on (com.docker.compose.depends_on), for ordering a down without the file. */
  dependsOn: string[];
  /** The image reference it was created from, as given. */
  image?: string;
  /** Its anonymous volumes (target → volume name): a replacement inherits them. */
  anonymousVolumes?: { target: string; volume: string }[];
}

export interface ObservedNetwork {
  id: string;
  name: string;
  /** The key under `networks:` (com.docker.compose.network). */
  key?: string;
  /** com.docker.compose.config-hash: the network config it was created from. */
  configHash?: string;
}

export interface ObservedVolume {
  name: string;
  key?: string;
  anonymous: boolean;
  /** com.docker.compose.config-hash: the volume config it was created from. */
  configHash?: string;
}

export interface ObservedState {
  project: string;
  containers: ObservedContainer[];
  networks: ObservedNetwork[];
  volumes: ObservedVolume[];
  /** image reference → image id, for the references the project uses; absent = not present. */
  images: Record<string, string>;
  /** Names of networks and volumes the project refers to that exist without its label
   *  (external ones, or `name:` objects made elsewhere): used as they are. */
  existing?: { networks: string[]; volumes: string[] };
}

export function emptyObserved(project: string): ObservedState {
  return { project, containers: [], networks: [], volumes: [], images: {} };
}

// ---------------------------------------------------------------- options

export type PullPolicy = 'always' | 'missing' | 'never' | 'build';

export interface UpOptions {
  /** Services named on the command line (their dependencies come too, unless noDeps). */
  services?: string[];
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  alwaysRecreateDeps?: boolean;
  removeOrphans?: boolean;
  /** --scale SVC=N */
  scale?: Record<string, number>;
  noStart?: boolean;
  /** --build: build every service with a build section. */
  build?: boolean;
  noBuild?: boolean;
  pull?: PullPolicy;
  /** --wait: add a readiness wait per started container. */
  wait?: boolean;
  /** Stop timeout in seconds (-t), overriding stop_grace_period. */
  timeout?: number;
  /** Images were pulled/built already in this run: plan no image operations. */
  skipImages?: boolean;
  /** Services in the file but disabled by profiles: their containers are not orphans. */
  knownServices?: string[];
  /** -V: a replacement gets new anonymous volumes instead of the old ones. */
  renewAnonVolumes?: boolean;
}

export interface DownOptions {
  services?: string[];
  removeOrphans?: boolean;
  /** -v: named volumes of the project (never external) and anonymous volumes. */
  volumes?: boolean;
  rmi?: 'local' | 'all';
  timeout?: number;
  /** Services in the file but disabled by profiles: their containers go too, not as orphans. */
  knownServices?: string[];
  /** --profile was given: only the services it enables go (networks are removed if unused). */
  profileScoped?: boolean;
}

// ---------------------------------------------------------------- operations

interface OpBase {
  /** Stable id within the plan: "network:demo_default", "create:demo-web-1". */
  id: string;
  /** Why this operation exists, in words a user reads. */
  cause: string;
  /** Ids of operations that must finish first. */
  after: string[];
}

export type Operation =
  | (OpBase & { kind: 'CreateNetwork'; key: string; name: string })
  | (OpBase & { kind: 'RemoveNetwork'; name: string })
  | (OpBase & { kind: 'CreateVolume'; key: string; name: string })
  | (OpBase & { kind: 'RemoveVolume'; name: string })
  | (OpBase & { kind: 'PullImage'; image: string; services: string[]; policy: PullPolicy | 'missing' })
  | (OpBase & { kind: 'BuildImage'; image: string; service: string })
  | (OpBase & { kind: 'RemoveImage'; image: string })
  | (OpBase & {
      kind: 'CreateContainer';
      service: string;
      number: number;
      name: string;
      image: string;
      /** Anonymous volumes of the container it replaces, mounted again at the same targets. */
      inherit?: { target: string; volume: string }[];
    })
  | (OpBase & { kind: 'StartContainer'; service: string; number: number; name: string })
  | (OpBase & { kind: 'StopContainer'; service: string; name: string; containerId: string; timeout?: number })
  | (OpBase & { kind: 'RemoveContainer'; service: string; name: string; containerId: string; volumes: boolean })
  | (OpBase & {
      kind: 'WaitService';
      service: string;
      /** The containers to watch (names). */
      containers: string[];
      condition: 'healthy' | 'completed' | 'ready';
      /** required: false → a failure is a warning, not an error. */
      required: boolean;
    });

export type OperationKind = Operation['kind'];

export interface Plan {
  project: string;
  /** Operations in a stable, dependency-respecting order. */
  operations: Operation[];
  /** Things the user should know that change nothing (orphans kept, a required:false dependency missing). */
  warnings: string[];
}
