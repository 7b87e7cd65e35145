#!/usr/bin/env node
import { main } from './main.js';

// `berth ps -q | head -1`: a reader that goes away is not an error (as in Compose).
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

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
