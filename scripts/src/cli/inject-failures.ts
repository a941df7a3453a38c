import { runInjectFailures } from './program';

/** Entry point of `npm run inject-failures -- <command>`; see program.ts. */
runInjectFailures(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`inject-failures: ${err.message}\n`);
    process.exit(1);
  },
);
