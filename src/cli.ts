#!/usr/bin/env node
// The dockmod command: argument parsing here, the work in run.ts; the engine never sees yargs.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { builtinTransforms } from '../transforms/index.js';
import { run, type RunOptions } from './run.js';

const list = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : [v].flat().flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

async function main(): Promise<number> {
  let exitCode = 0;
  await yargs(hideBin(process.argv))
    .scriptName('dockmod')
    .usage('$0 [paths..]\n\nRewrites Dockerfiles so the build cache works for you. Prints a unified diff by default.')
    .command(
      '$0 [paths..]',
      'optimize the Dockerfiles under paths (default: .)',
      (y) =>
        y
          .positional('paths', { type: 'string', array: true, default: ['.'], describe: 'files or folders' })
          .option('write', { alias: 'w', type: 'boolean', describe: 'rewrite files in place' })
          .option('check', { type: 'boolean', describe: 'exit 1 and name the files when something would change' })
          .option('list-different', { alias: 'l', type: 'boolean', default: false, describe: 'print only the names of files that would change' })
          .option('only', { type: 'string', describe: 'comma-separated transform ids to run' })
          .option('skip', { type: 'string', describe: 'comma-separated transform ids not to run' })
          .option('unsafe', { type: 'boolean', default: false, describe: 'also apply unsafe transforms' })
          .option('context', { type: 'string', describe: 'build context folder (default: each Dockerfile\'s folder)' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'print every skip with its reason' })
          .option('color', { type: 'boolean', describe: 'colour the diff (default: when stdout is a terminal)' })
          .option('list-transforms', { type: 'boolean', default: false, describe: 'list the transforms and exit' })
          .conflicts('write', 'check'),
      async (argv) => {
        if (argv['list-transforms']) {
          const width = Math.max(...builtinTransforms.map((t) => t.id.length));
          for (const t of builtinTransforms) process.stdout.write(`${t.id.padEnd(width)}  ${t.safety.padEnd(6)}  ${t.summary}\n`);
          return;
        }
        const options: RunOptions = {
          paths: argv.paths as string[],
          mode: argv.write ? 'write' : argv.check ? 'check' : argv['list-different'] ? 'list-different' : 'diff',
          only: list(argv.only),
          skip: list(argv.skip),
          unsafe: argv.unsafe,
          contextDir: argv.context,
          verbose: argv.verbose,
          color: argv.color ?? Boolean(process.stdout.isTTY),
        };
        exitCode = await run(options, { stdout: process.stdout, stderr: process.stderr });
      },
    )
    .command(
      'verify <dockerfile>',
      'build the original and the rewritten file with a real builder, edit a source file, rebuild both and report the cache',
      (y) =>
        y
          .positional('dockerfile', { type: 'string', demandOption: true })
          .option('builder', { choices: ['buildah', 'docker', 'podman'] as const, describe: 'default: docker if its daemon answers, else podman, else buildah' })
          .option('context', { type: 'string', describe: "build context folder (default: the Dockerfile's folder)" })
          .option('edit', { type: 'string', describe: 'context-relative source file to edit (default: one no manifest list names)' })
          .option('base-image', { type: 'string', array: true, describe: 'substitute a FROM image: from=to (repeatable)' })
          .option('only', { type: 'string', describe: 'comma-separated transform ids to run' })
          .option('skip', { type: 'string', describe: 'comma-separated transform ids not to run' })
          .option('unsafe', { type: 'boolean', default: false, describe: 'also apply unsafe transforms' }),
      async (argv) => {
        const { runVerify } = await import('./verify-command.js');
        exitCode = await runVerify(
          {
            dockerfile: argv.dockerfile,
            contextDir: argv.context,
            builder: argv.builder,
            editFile: argv.edit,
            baseImages: argv['base-image'],
            only: list(argv.only),
            skip: list(argv.skip),
            unsafe: argv.unsafe,
          },
          { stdout: process.stdout, stderr: process.stderr },
        );
      },
    )
    .strict()
    .help()
    .version()
    .fail((message, error) => {
      process.stderr.write(`dockmod: ${message ?? error?.message}\n`);
      process.exit(2);
    })
    .parseAsync();
  return exitCode;
}

process.exitCode = await main();
