export type * from './types';
export { DEFAULT_CONFIG } from './defaults';
export { loadConfig, loadConfigOrExit, packageVersion, type LoadOutcome } from './load';
export { CliExit, ConfigError, type ConfigProblem } from './errors';
export { CidrSet, parseCidr, parseIp, isIPv4, isIPv6, type Cidr } from './cidr';
export { parseDuration, parseSize, formatDuration, formatSize } from './units';
export { formatHostPort } from './kinds';
export { FIELDS, envNameOf } from './schema';
export { configKeys, renderConfigTable, type ConfigKeyInfo } from './table';
