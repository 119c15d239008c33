/**
 * Error catalogue of the runtime: the codes of what every tier shares through it, configuration
 * loading and telemetry. (The exemption module has its own, exemption/errors.ts.)
 */
export const RUNTIME_ERRORS = {
  ERR_CONFIG_INVALID: { code: 'ERR_CONFIG_INVALID', retryable: false, description: 'The configuration failed validation (unknown key, wrong type, value out of range); every problem is listed with its path.' },
  ERR_CONFIG_FILE: { code: 'ERR_CONFIG_FILE', retryable: false, description: 'The --config file cannot be read or is not JSON.' },
  ERR_UNEXPECTED: { code: 'ERR_UNEXPECTED', retryable: false, description: 'A failure without a code of its own (a bug, or a library error no catalogue maps), logged and counted under this code by the component that caught it.' },
} as const;

export type RuntimeErrorCode = keyof typeof RUNTIME_ERRORS;
