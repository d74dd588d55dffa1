// Reading Dockerfiles from disk, refusing what is not one, and processing one file: the per-file work of the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { BOM, optimizeDocument } from '../engine/engine.js';
import { directoryContext } from '../contexts/context.js';
import { Document, SKIPPED_LINE } from '../engine/document.js';
import type { AppliedChange, FileWrite, OptimizeOptions, ReportedSkip } from '../engine/types.js';
import type { Heredoc } from 'dockerfile-ast';
import type { RefusedFile } from '../contexts/tree-files.js';

/**
 * Larger files are refused rather than processed. The largest of 413 real Dockerfiles is 20 KB; the engine's
 * time grows faster than linearly with the number of instructions, and this keeps a pathological file to seconds.
 */
export const MAX_FILE_BYTES = 256 * 1024;

const KNOWN_INSTRUCTIONS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** A file as the error lines show it, as run.ts does: relative to the working folder (`../dev/zero`). */
export const shownPath = (file: string, cwd: string): string => path.relative(cwd, path.resolve(cwd, file)) || file;

/** A problem with one input file; the run goes on with the others. */
export class InputError extends Error {
  constructor(readonly file: string, reason: string) {
    super(reason);
    this.name = 'InputError';
  }
}

/** Decodes a Dockerfile's bytes, or says why they are not one. */
export function decodeDockerfile(file: string, bytes: Buffer): string {
  return parseDockerfile(file, bytes).text;
}

/**
 * Decodes and parses a Dockerfile's bytes, or says why they are not one: its text (with any BOM), the BOM, and the
 * parsed body, which the engine takes as it is (optimizeDocument) rather than parsing the text again.
 */
export function parseDockerfile(file: string, bytes: Buffer): { text: string; bom: string; doc: Document } {
  if (bytes.length === 0) throw new InputError(file, 'empty file');
  if (bytes.length > MAX_FILE_BYTES) throw new InputError(file, tooLarge(bytes.length));
  if (bytes[0] === 0xff && bytes[1] === 0xfe || bytes[0] === 0xfe && bytes[1] === 0xff) throw new InputError(file, 'UTF-16 encoded (dockmod reads UTF-8)');
  if (bytes.includes(0)) throw new InputError(file, 'binary file (contains NUL bytes)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError(file, 'not valid UTF-8');
  }
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  // Docker ends lines at \n only; dockerfile-ast also at a lone \r, so the two would see different instructions.
  const loneCarriageReturn = /\r(?!\n)/.exec(body);
  if (loneCarriageReturn) {
    const line = body.slice(0, loneCarriageReturn.index).split('\n').length;
    throw new InputError(file, `line ${line} has a carriage return that does not end the line, which Docker and dockmod's parser read differently`);
  }
  const escape = escapeDirective(body);
  if (escape && escape.value !== '\\' && escape.value !== '`') {
    throw new InputError(file, `invalid escape directive on line ${escape.line}: '${escape.value}' (must be \\ or \`)`);
  }
  const doc = new Document(body);
  // dockerfile-ast reads a directive with any white space (`#\uFEFF escape=`), BuildKit only with spaces and tabs.
  if (doc.escapeChar !== (escape?.value ?? '\\')) {
    throw new InputError(file, `the escape character is ${doc.escapeChar} for dockmod's parser but ${escape?.value ?? '\\'} for Docker, which read the parser directives differently`);
  }
  const instructions = doc.instructions();
  const unknown = instructions.find((i) => !KNOWN_INSTRUCTIONS.has(i.getKeyword()));
  if (unknown) throw new InputError(file, `unknown instruction '${unknown.getInstruction()}' on line ${unknown.getRange().start.line + 1}`);
  const first = instructions.find((i) => i.getKeyword() !== 'ARG');
  if (!first || first.getKeyword() !== 'FROM') throw new InputError(file, 'not a Dockerfile: no FROM before the first instruction');
  // dockerfile-ast ends an instruction at `\ \` (an escaped space, then the escape); BuildKit reads a continuation.
  const escapePattern = doc.escapeChar === '`' ? '`' : '\\\\';
  const escapedSpaceThenContinuation = new RegExp(`${escapePattern}[ \\t]+${escapePattern}[ \\t]*\\r?$`);
  for (const ins of instructions) {
    const last = ins.getRange().end.line;
    const lastLine = lineText(doc, last);
    const followed = doc.lineStarts[last + 1] !== undefined && doc.lineStarts[last + 1]! < body.length;
    // At the end of the file the two readings agree, but not once a transform moves the instruction.
    if (doc.continuation.test(lastLine) && (followed || escapedSpaceThenContinuation.test(lastLine))) {
      throw new InputError(file, `line ${last + 1} ends in an escaped space before the line continuation, which Docker and dockmod's parser read differently`);
    }
  }
  // The rest of the file would be read as the heredoc's body: a typo, not something to rewrite around.
  for (const ins of instructions) {
    let heredocs: Heredoc[];
    try {
      heredocs = doc.heredocs(ins);
    } catch {
      // dockerfile-ast throws on some malformed openers (`<<-'EOT''`).
      throw new InputError(file, `the heredoc opened on line ${ins.getRange().start.line + 1} cannot be read`);
    }
    const open = heredocs.find((h) => h.getDelimiterRange() === null);
    if (open) throw new InputError(file, `unterminated heredoc <<${open.getName()} on line ${open.getStartRange().start.line + 1}: no line ends it`);
  }
  for (const ins of instructions) {
    if (doc.hasHeredoc(ins)) continue;
    const { start, end } = ins.getRange();
    const docker = buildkitEndLine(doc, start.line);
    // Blank or comment lines that dockerfile-ast counts into an instruction's range are no misreading.
    if (docker > end.line || Array.from({ length: end.line - docker }, (_, k) => lineText(doc, docker + 1 + k)).some((text) => !SKIPPED_LINE.test(text))) {
      throw new InputError(file, `the instruction on line ${start.line + 1} ends on line ${docker + 1} for Docker but on line ${end.line + 1} for dockmod's parser, which read it differently`);
    }
  }
  return { text, bom, doc };
}

const lineText = (doc: Document, n: number): string => doc.text.slice(doc.lineStarts[n], doc.lineStarts[n + 1] ?? doc.text.length).replace(/\r?\n$/, '');

/**
 * The last line of the instruction that starts on `line`, read as BuildKit does: a line ending in the escape
 * character continues it, and comment or blank lines inside it are skipped.
 */
function buildkitEndLine(doc: Document, line: number): number {
  let end = line;
  for (let n = line; n < doc.lineStarts.length; n++) {
    const text = lineText(doc, n);
    if (n > line && SKIPPED_LINE.test(text)) continue;
    end = n;
    if (!doc.continuation.test(text)) break;
  }
  return end;
}

/** BuildKit's reading of a parser directive: the whole rest of the line, trimmed, is the value. */
const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;

/** The `# escape=` directive among the directives at the top of the file, as BuildKit reads it. */
function escapeDirective(text: string): { line: number; value: string } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = DIRECTIVE.exec(lines[i]!.replace(/\r$/, ''));
    if (!match) return undefined;
    if (match[1]!.toLowerCase() === 'escape') return { line: i + 1, value: match[2]! };
  }
  return undefined;
}

const tooLarge = (size: number) => `${(size / 1024).toFixed(0)} KiB is over the ${MAX_FILE_BYTES / 1024} KiB size limit`;

const FILE_TYPES: [(s: fs.Stats) => boolean, string][] = [
  [(s) => s.isFIFO(), 'a named pipe'],
  [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isCharacterDevice() || s.isBlockDevice(), 'a device'],
];

/**
 * The bytes of a Dockerfile on disk and its stat, or an InputError saying why not. Opened without blocking and
 * checked with fstat, so a named pipe or device called Dockerfile is refused instead of read forever.
 */
export function readDockerfile(file: string): { bytes: Buffer; stat: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw new InputError(file, openFailure(file, error as NodeJS.ErrnoException));
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new InputError(file, 'is a directory');
    if (!stat.isFile()) throw new InputError(file, `not a regular file: ${FILE_TYPES.find(([is]) => is(stat))?.[1] ?? 'a special file'}`);
    if (stat.size > MAX_FILE_BYTES) throw new InputError(file, tooLarge(stat.size));
    return { bytes: fs.readFileSync(fd), stat };
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, `cannot be read: ${(error as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}

function openFailure(file: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOENT': {
      const link = fs.lstatSync(file, { throwIfNoEntry: false });
      return link?.isSymbolicLink() ? `broken symbolic link (points to ${fs.readlinkSync(file)}, which does not exist)` : 'no such file';
    }
    default:
      return `cannot be read: ${error.message}`;
  }
}

export interface FileResult {
  file: string;
  before: string;
  after: string;
  /** Other files of the build context: absolute path, the context folder, old text (undefined when new) and new text. */
  extra: { file: string; context: string; before: string | undefined; after: string }[];
  changes: AppliedChange[];
  skips: ReportedSkip[];
  heldBack: AppliedChange[];
  /** Files of the build context that were not read (absolute paths), with why: a link out of it, a folder. */
  refused: RefusedFile[];
  /** The file's mtime and size when read, to refuse writing over a newer version. */
  stat: fs.Stats;
}

export interface ProcessOptions extends Omit<OptimizeOptions, 'context'> {
  /** Build context folder; default: the Dockerfile's folder. */
  contextDir?: string;
  /** Every Dockerfile known to be built with that context (see directoryContext). */
  builtWith?: readonly string[];
}

/** Reads and optimizes one Dockerfile. Throws InputError for input that is not a Dockerfile. */
export function processFile(file: string, options: ProcessOptions): FileResult {
  const { bytes, stat } = readDockerfile(file);
  const { text: before, bom, doc } = parseDockerfile(file, bytes);
  const contextDir = options.contextDir ?? path.dirname(file);
  const context = directoryContext(contextDir, file, options.builtWith);
  const result = optimizeDocument(doc, { ...options, context }, bom);
  const extra = result.files.map((f: FileWrite) => ({ file: path.join(contextDir, f.path), context: contextDir, before: context.readFile(f.path), after: f.text }));
  const refused = context.refused().map((r) => ({ file: path.join(contextDir, r.file), reason: r.reason }));
  return { file, before, after: result.text, extra, changes: result.changes, skips: result.skips, heldBack: result.heldBack, refused, stat };
}
