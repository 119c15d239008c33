export { lookmlConfigSchema } from './config.js';
export type { LookmlConfig } from './config.js';
export { diffLookml, generateLookml, GENERATED_MARKER, REGENERATE_COMMAND, writeLookml } from './lookml.js';
export type { LookmlDrift, WriteLookmlOptions } from './lookml.js';
export { main as generateLookmlMain } from './generate.js';
export { TABLE_SEMANTICS } from './semantics.js';
export type { TableSemantics } from './semantics.js';
