// `dockmod verify <Dockerfile>`: rewrite the file in memory, then build the original and the rewrite with the
// user's builder, edit one source file, rebuild both and report what the cache did, and whether the two images
// hold the same files (apart from what the applied transforms declare they change).
import path from 'node:path';
import { processDockerfile, type DockerfileSetup } from '../input/process.js';
import { readDockerfile, shownPath } from '../input/read.js';
import { declarationsOf } from './image-diff.js';
import { verify, type BuilderName, type BuildRun } from './verify.js';

export interface VerifyCommandOptions {
  dockerfile: string;
  /** Its build context and options, as a run over the tree gives them (--context over the build files'). */
  setup: () => Promise<DockerfileSetup>;
  builder?: BuilderName;
  editFile?: string;
  /** `from=to` pairs. */
  baseImages?: string[];
}

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const runLine = (name: string, r: BuildRun) => `${name.padEnd(20)} ${r.seconds.toFixed(2).padStart(8)}s  ${`${r.cached}/${r.steps}`.padStart(7)} steps cached`;

const rerun = (r: BuildRun) => r.stepLog.filter((s) => !s.cached).map((s) => s.text).join(' | ') || 'nothing';

/** Returns the exit code: 0 when both variants built into the same files (but for declared differences), 1 when the images differ otherwise, 2 on errors. */
export async function runVerify(o: VerifyCommandOptions, io: Streams): Promise<number> {
  let result, contextDir, transforms;
  try {
    const source = readDockerfile(o.dockerfile);
    const setup = await o.setup();
    for (const n of setup.notes) io.stderr.write(`dockmod: ${path.relative(process.cwd(), n.file)}: ${n.message}\n`);
    ({ contextDir, options: { transforms } } = setup);
    result = processDockerfile(source, contextDir, setup.options);
  } catch (error) {
    io.stderr.write(`dockmod: ${shownPath(o.dockerfile, process.cwd())}: ${(error as Error).message}\n`);
    return 2;
  }
  for (const r of result.refused) io.stderr.write(`dockmod: ${path.relative(process.cwd(), r.file)}: ${r.reason}; not read\n`);
  if (result.after === result.before) io.stderr.write('dockmod: nothing to rewrite; building the file as it is, twice\n');
  const baseImages: Record<string, string> = {};
  for (const pair of o.baseImages ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      io.stderr.write(`dockmod: --base-image takes from=to, not '${pair}'\n`);
      return 2;
    }
    baseImages[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const rewrittenFiles = Object.fromEntries(result.extra.map((e) => [path.relative(contextDir, e.file).split(path.sep).join('/'), e.after]));
  try {
    const report = await verify({
      contextDir,
      original: result.before,
      rewritten: result.after,
      rewrittenFiles,
      dockerfile: path.resolve(o.dockerfile),
      declared: declarationsOf(result.changes.map((c) => c.transform), transforms),
      builder: o.builder,
      editFile: o.editFile,
      baseImages,
      log: (line) => io.stderr.write(`dockmod: ${line}\n`),
    });
    io.stdout.write(
      [
        `builder ${report.builder}; edited ${report.editFile}`,
        runLine('original, first', report.original.first),
        runLine('original, rebuild', report.original.rebuild),
        runLine('rewritten, first', report.rewritten.first),
        runLine('rewritten, rebuild', report.rewritten.rebuild),
        `rebuild time after/before: ${(report.rewritten.rebuild.seconds / Math.max(report.original.rebuild.seconds, 0.001)).toFixed(2)}`,
        `re-ran after the edit, original:  ${rerun(report.original.rebuild)}`,
        `re-ran after the edit, rewritten: ${rerun(report.rewritten.rebuild)}`,
        `images: ${report.image!.summary}`,
        '',
      ].join('\n'),
    );
    return report.image!.verdict === 'different' ? 1 : 0;
  } catch (error) {
    io.stderr.write(`dockmod: verify failed: ${(error as Error).message}\n`);
    return 2;
  }
}
