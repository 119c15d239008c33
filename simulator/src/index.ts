/** The simulator (simulate/: one shop, or many randomized worlds) and the scorer (evaluate/). */
export * from './simulate/index.js';
export * from './evaluate/index.js';
