import { readPackageVersion } from '../config/package-version';

/** The package version; '0.0.0' for a copied-out dist without package.json, which still runs. */
export const CLIENT_VERSION = readPackageVersion() ?? '0.0.0';
export const USER_AGENT = `rrproxy-client/${CLIENT_VERSION}`;
