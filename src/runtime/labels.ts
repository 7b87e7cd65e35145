/**
 * Compose's labels (docker/compose pkg/api/labels.go), stamped on every container, network
 * and volume berth makes for a project. They are berth's only state: observe() rebuilds
 * everything from them, so `down -p NAME` works without the file.
 */
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  configHash: 'com.docker.compose.config-hash',
  oneoff: 'com.docker.compose.oneoff',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  envFiles: 'com.docker.compose.project.environment_file',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  /** berth's own: per-field hashes, so a plan can say which field changed. */
  fieldHashes: 'dev.berth.config-fields',
} as const;

/** What every label set of a project carries beside the object's own labels. */
export interface ProjectMeta {
  name: string;
  workingDir?: string;
  configFiles: string[];
  envFiles: string[];
  /** berth's version, stamped as com.docker.compose.version. */
  version: string;
}

export function projectFilter(project: string): Record<string, string[]> {
  return { label: [`${LABEL.project}=${project}`] };
}

function projectLabels(meta: ProjectMeta): Record<string, string> {
  const out: Record<string, string> = { [LABEL.project]: meta.name, [LABEL.version]: meta.version };
  if (meta.workingDir) out[LABEL.workingDir] = meta.workingDir;
  if (meta.configFiles.length) out[LABEL.configFiles] = meta.configFiles.join(',');
  if (meta.envFiles.length) out[LABEL.envFiles] = meta.envFiles.join(',');
  return out;
}

export interface ContainerLabelInput {
  service: string;
  number: number;
  oneoff: boolean;
  configHash: string;
  fieldHashes: Record<string, string>;
  /** "svc:condition:restart" per dependency, as Compose encodes it. */
  dependsOn: string[];
  imageId?: string;
}

export function containerLabels(meta: ProjectMeta, c: ContainerLabelInput, userLabels: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {
    ...userLabels,
    ...projectLabels(meta),
    [LABEL.service]: c.service,
    [LABEL.number]: String(c.number),
    [LABEL.oneoff]: c.oneoff ? 'True' : 'False',
    [LABEL.configHash]: c.configHash,
    [LABEL.fieldHashes]: JSON.stringify(c.fieldHashes),
    [LABEL.dependsOn]: c.dependsOn.join(','),
  };
  if (c.imageId) out[LABEL.image] = c.imageId;
  return out;
}

export function networkLabels(meta: ProjectMeta, key: string, userLabels: Record<string, string> = {}, configHash?: string): Record<string, string> {
  const out: Record<string, string> = { ...userLabels, [LABEL.project]: meta.name, [LABEL.network]: key, [LABEL.version]: meta.version };
  if (configHash) out[LABEL.configHash] = configHash;
  return out;
}

export function volumeLabels(meta: ProjectMeta, key: string | undefined, userLabels: Record<string, string> = {}, configHash?: string): Record<string, string> {
  const out: Record<string, string> = { ...userLabels, [LABEL.project]: meta.name, [LABEL.version]: meta.version };
  if (key) out[LABEL.volume] = key;
  if (configHash) out[LABEL.configHash] = configHash;
  return out;
}

/** "db:service_healthy:false,..." → ["db", ...] */
export function parseDependsOnLabel(v: string | undefined): string[] {
  if (!v) return [];
  return v.split(',').map((x) => x.split(':')[0]!).filter(Boolean);
}

export function parseFieldHashes(v: string | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
