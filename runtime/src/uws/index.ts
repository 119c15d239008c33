export { loadUws } from './load-uws.js';
export type { Uws, UwsLoad } from './load-uws.js';
