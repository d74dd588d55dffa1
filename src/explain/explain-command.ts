// `dockmod explain <Dockerfile>`: reads the Dockerfile and its build context, rewrites it in memory, and prints the
// cache simulation of both versions (src/explain/explain.ts) for a change to the context.
import fs from 'node:fs';
import path from 'node:path';
import { withWrites } from '../contexts/context.js';
import { Document } from '../engine/document.js';
import { isChanged } from '../engine/report.js';
import { isInside } from '../contexts/tree-files.js';
import { optimizeParsed, parseDockerfile, type DockerfileSetup } from '../input/process.js';
import { InputError, readDockerfile, shownPath } from '../input/read.js';
import { chooseEditFile } from '../verify/verify.js';
import { renderExplanation, simulateCache, type Explanation } from './explain.js';

export interface ExplainOptions {
  dockerfile: string;
  /** Its build context and options, as a run over the tree gives them (--context over the build files'). */
  setup: () => Promise<DockerfileSetup>;
  /** Changed paths (relative to the context, or to the working folder when inside the context). Default: one source file. */
  changed?: string[];
  format: 'text' | 'json';
  cwd?: string;
}

/** A changed path as the user wrote it, as a context-relative path. */
function contextPath(p: string, contextDir: string, cwd: string): string {
  const fromCwd = path.relative(contextDir, path.resolve(cwd, p));
  const useCwd = !fs.existsSync(path.resolve(contextDir, p)) && fs.existsSync(path.resolve(cwd, p)) && isInside(path.resolve(cwd, p), path.resolve(contextDir));
  const rel = useCwd ? fromCwd : path.relative(contextDir, path.resolve(contextDir, p));
  if (!isInside(path.resolve(contextDir, rel), path.resolve(contextDir))) throw new Error(`${p} is not inside the build context ${contextDir}`);
  return rel.split(path.sep).join('/');
}

export async function runExplain(o: ExplainOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const cwd = o.cwd ?? process.cwd();
  try {
    const file = path.resolve(cwd, o.dockerfile);
    // As the main command reads it: a pipe, a device or a folder is refused at once, not read forever.
    const parsed = parseDockerfile(readDockerfile(file));
    const { doc, bom } = parsed;
    const { contextDir, options, notes } = await o.setup();
    for (const n of notes) io.stderr.write(`dockmod explain: ${path.relative(cwd, n.file)}: ${n.message}\n`);
    const changed = o.changed?.length ? o.changed.map((p) => contextPath(p, contextDir, cwd)) : [chooseEditFile(contextDir, [doc.text])];
    const { result, context, rewrite } = optimizeParsed(parsed, contextDir, options);
    const explanation: Explanation = {
      file: path.relative(cwd, file).split(path.sep).join('/') || o.dockerfile,
      changed,
      before: simulateCache(doc, context!, changed),
      after: simulateCache(new Document(rewrite.text.slice(bom.length)), withWrites(context!, rewrite.files), changed),
      unchanged: !isChanged(result),
    };
    for (const r of context!.refused()) io.stderr.write(`dockmod explain: ${path.relative(cwd, path.join(contextDir, r.file))}: ${r.reason}; not read\n`);
    io.stdout.write(o.format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation));
    return 0;
  } catch (error) {
    if (error instanceof InputError) io.stderr.write(`dockmod: ${shownPath(o.dockerfile, cwd)}: ${error.message}\n`);
    else io.stderr.write(`dockmod explain: ${(error as Error).message}\n`);
    return 2;
  }
}
