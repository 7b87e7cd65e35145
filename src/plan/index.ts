export * from './types.js';
export { reconcile, networkConfigHash, volumeConfigHash, type ServiceOrder } from './reconcile.js';
export { planDown } from './down.js';
export { planToText, planToJSON, hasChanges, operationTarget, type PlanJSON } from './text.js';
export { serviceConfigHash, serviceFieldHashes, describeFieldChanges, stableJson } from './hash.js';
export { containerName, imageRef, desiredScale } from './names.js';
export { directDeps, withDependencies, dependencyOrder, type Dependency } from './deps.js';
export { parseDuration, stopTimeoutSeconds } from './durations.js';
export { planStop, planStart, prune } from './lifecycle.js';
