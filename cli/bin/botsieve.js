#!/usr/bin/env node
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`botsieve: ${error?.code ? `${error.code}: ` : ''}${error?.message ?? error}\n`);
    process.exitCode = 1;
  },
);
