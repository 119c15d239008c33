export { ClientAddressResolver, forwardedEntry } from './client-address.js';
export type { AddressSource, ClientAddress, ClientAddressOptions } from './client-address.js';
export { CLOUDFLARE_IPS_SOURCES, cloudflareIpSet, defaultCloudflareIpsPath, loadCloudflareIps, parseCloudflareIps, parseCloudflareList } from './cloudflare-ips.js';
export type { CloudflareIpsData } from './cloudflare-ips.js';
export { formatCloudflareRefreshSummary, refreshCloudflareIps, writeCloudflareIps } from './cloudflare-refresh.js';
export type { CloudflareRefreshOptions, CloudflareRefreshSummary } from './cloudflare-refresh.js';
