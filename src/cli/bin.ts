#!/usr/bin/env node
import { main } from './main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // main() handles every error; this is the last guard.
    console.error(e);
    process.exitCode = 125;
  },
);
