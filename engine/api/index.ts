/** The engine API in one import: the types, the error class, the client and the wire protocol. */
export * from './types.js';
export { EngineClient } from './client.js';
export { API_VERSION, METHODS, SOCKET_NAME, type MethodKind, type EngineMethod } from './protocol.js';
export { DEFAULT_ROOT, resolveRoot, socketPath } from './root.js';
