/**
 * The config hash lives in plan/ (reconcile, which is pure, compares it); the runtime stamps
 * the same values as labels. Re-exported here so runtime code has one place to look.
 */
export { serviceConfigHash, serviceFieldHashes, stableJson, describeFieldChanges } from '../plan/hash.js';
