export { Telemetry } from './telemetry.js';
export type { ComponentTelemetry, LogLevel, TelemetryOptions } from './telemetry.js';
export { ENV_PREFIX, configFromEnv, mergeConfig, parseConfig, readConfigFile } from './config.js';
export { ManualClock, systemClock } from './clock.js';
export { nullTelemetry } from './null-telemetry.js';
export { TokenAuth } from './token-auth.js';
export * from './exemption/index.js';
export { fetchText, githubReadSettings, listChange, resolveGitHubCommit, writeJsonAtomically } from './published-data.js';
export type { FetchTextOptions, GitHubReadOptions, ListChange, MakeError, ResolveCommitOptions } from './published-data.js';
