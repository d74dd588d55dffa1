// One Dockerfile's way through dockmod, the same for a file on disk and for standard input: its bytes decoded,
// parsed and validated once, then optimized with a build context (or none) into a FileResult.
import path from 'node:path';
import { directoryContext, type ContextBuilders, type Disk } from '../contexts/context.js';
import { Document } from '../engine/document.js';
import { optimizeDocument, type EngineOptions } from '../engine/engine.js';
import type { FileReport } from '../engine/report.js';
import type { BuildContext, OptimizeResult } from '../engine/types.js';
import type { DockerfileSource, FileStamp } from './read.js';
import { decodeDockerfile, validateDockerfile } from './validate.js';

/** A Dockerfile read, decoded, parsed and validated: its text (with any BOM), the BOM, and the parsed body. */
export interface ParsedDockerfile {
  source: DockerfileSource;
  text: string;
  bom: string;
  doc: Document;
  /** Held inline in a compose file: no file of its own, so only the context's .dockerignore applies. */
  inline?: boolean;
}

/** Throws an InputError when the bytes are not a Dockerfile dockmod can rewrite. */
export function parseDockerfile(source: DockerfileSource): ParsedDockerfile {
  const { text, bom } = decodeDockerfile(source.file, source.bytes);
  const doc = new Document(text.slice(bom.length));
  validateDockerfile(source.file, doc);
  return { source, text, bom, doc };
}

/** A FileReport with the stamp of the file read, which a --write checks (undefined: from standard input). It crosses threads. */
export interface FileResult extends FileReport {
  stat: FileStamp | undefined;
}

export interface ProcessOptions extends Omit<EngineOptions, 'context'> {
  /** Who else builds with the context (see directoryContext). */
  builtWith?: ContextBuilders;
  /** How the build context reads the disk (default: directly; a ReadLog's, to record what it read). */
  disk?: Disk;
}

/** One Dockerfile as a run over the tree builds it: its build context and options (explain and verify get it from the CLI's plan). */
export interface DockerfileSetup {
  contextDir: string;
  options: ProcessOptions;
  /** Files met on the way and left alone (a link out of the tree, a folder), with the line that says why. */
  notes: { file: string; message: string }[];
}

/** What optimizing a parsed Dockerfile gives: the result, and the context and the engine's output behind it. */
export interface Optimized {
  result: FileResult;
  context: (BuildContext & { refused(): { file: string; reason: string }[] }) | undefined;
  rewrite: OptimizeResult;
}

/** Optimizes a parsed Dockerfile with the build context in `contextDir` (undefined: none; transforms that need one skip). */
export function optimizeParsed(parsed: ParsedDockerfile, contextDir: string | undefined, options: ProcessOptions): Optimized {
  const { source, text: before, bom, doc } = parsed;
  const context = contextDir === undefined ? undefined : directoryContext(contextDir, parsed.inline ? undefined : source.file, options.builtWith, options.disk);
  const rewrite = optimizeDocument(doc, { ...options, context }, bom);
  const extra = rewrite.files.map((f) => ({ file: path.join(contextDir!, f.path), context: contextDir!, before: context!.readFile(f.path), after: f.text }));
  const refused = (context?.refused() ?? []).map((r) => ({ file: path.join(contextDir!, r.file), reason: r.reason }));
  const named = new Set([...rewrite.changes, ...rewrite.heldBack].map((c) => c.transform));
  const summaries = Object.fromEntries(options.transforms.filter((t) => named.has(t.id)).map((t) => [t.id, t.summary]));
  const docs = Object.fromEntries(options.transforms.filter((t) => t.docs !== undefined && (named.has(t.id) || rewrite.skips.some((s) => s.transform === t.id))).map((t) => [t.id, t.docs!]));
  const result = { file: source.file, before, after: rewrite.text, extra, changes: rewrite.changes, skips: rewrite.skips, heldBack: rewrite.heldBack, refused, summaries, docs, stat: source.stat };
  return { result, context, rewrite };
}

/** Decodes, parses, validates and optimizes one Dockerfile. Throws InputError for input that is not a Dockerfile. */
export const processDockerfile = (source: DockerfileSource, contextDir: string | undefined, options: ProcessOptions): FileResult =>
  optimizeParsed(parseDockerfile(source), contextDir, options).result;
