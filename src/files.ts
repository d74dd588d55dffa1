// Reading Dockerfiles from disk, refusing what is not one, and processing one file: the per-file work of the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { optimize } from './engine.js';
import { directoryContext } from './context.js';
import { Document } from './document.js';
import type { AppliedChange, FileWrite, OptimizeOptions, ReportedSkip } from './types.js';

/** Larger files are refused rather than processed: no real Dockerfile comes near it. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

const KNOWN_INSTRUCTIONS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** A problem with one input file; the run goes on with the others. */
export class InputError extends Error {
  constructor(readonly file: string, reason: string) {
    super(reason);
    this.name = 'InputError';
  }
}

/** Decodes a Dockerfile's bytes, or says why they are not one. */
export function decodeDockerfile(file: string, bytes: Buffer): string {
  if (bytes.length === 0) throw new InputError(file, 'empty file');
  if (bytes.length > MAX_FILE_BYTES) throw new InputError(file, `larger than the ${MAX_FILE_BYTES / 1024 / 1024} MiB limit`);
  if (bytes.includes(0)) throw new InputError(file, 'binary file (contains NUL bytes)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError(file, 'not valid UTF-8');
  }
  const doc = new Document(text.replace(/^\uFEFF/, ''));
  const instructions = doc.instructions();
  const unknown = instructions.find((i) => !KNOWN_INSTRUCTIONS.has(i.getKeyword()));
  if (unknown) throw new InputError(file, `unknown instruction '${unknown.getInstruction()}' on line ${unknown.getRange().start.line + 1}`);
  const first = instructions.find((i) => i.getKeyword() !== 'ARG');
  if (!first || first.getKeyword() !== 'FROM') throw new InputError(file, 'not a Dockerfile: no FROM before the first instruction');
  return text;
}

export interface FileResult {
  file: string;
  before: string;
  after: string;
  /** Other files of the build context: absolute path, old text (undefined when new) and new text. */
  extra: { file: string; before: string | undefined; after: string }[];
  changes: AppliedChange[];
  skips: ReportedSkip[];
  heldBack: AppliedChange[];
  /** The file's mtime and size when read, to refuse writing over a newer version. */
  stat: fs.Stats;
}

export interface ProcessOptions extends Omit<OptimizeOptions, 'context'> {
  /** Build context folder; default: the Dockerfile's folder. */
  contextDir?: string;
}

/** Reads and optimizes one Dockerfile. Throws InputError for input that is not a Dockerfile. */
export function processFile(file: string, options: ProcessOptions): FileResult {
  let stat: fs.Stats;
  let bytes: Buffer;
  try {
    stat = fs.statSync(file);
    if (stat.isDirectory()) throw new InputError(file, 'is a directory');
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (error as Error).message);
  }
  const before = decodeDockerfile(file, bytes);
  const contextDir = options.contextDir ?? path.dirname(file);
  const context = directoryContext(contextDir, file);
  const result = optimize(before, { ...options, context });
  const extra = result.files.map((f: FileWrite) => ({ file: path.join(contextDir, f.path), before: context.readFile(f.path), after: f.text }));
  return { file, before, after: result.text, extra, changes: result.changes, skips: result.skips, heldBack: result.heldBack, stat };
}
