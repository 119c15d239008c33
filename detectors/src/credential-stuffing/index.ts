export { credentialStuffing, CredentialStuffingDetector, CREDENTIAL_STUFFING } from './credential-stuffing.js';
export { credentialStuffingConfigSchema, parseCredentialStuffingConfig, credentialStuffingLookbackMs } from './config.js';
export type { CredentialStuffingConfig, CredentialStuffingSubjectConfig } from './config.js';
export { CREDENTIAL_STUFFING_DISCARD } from './metrics.js';
