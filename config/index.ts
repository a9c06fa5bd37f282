export { loadConfig, ConfigError, ENV_KEYS } from './load.js';
export { configSchema, type Config } from './schema.js';
