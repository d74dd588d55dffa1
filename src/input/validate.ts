// Refusing what is not a Dockerfile dockmod can rewrite: bytes that are no UTF-8 text, and text that Docker
// (BuildKit) and dockmod's parser (dockerfile-ast) would read differently, since a rewrite of the parser's reading
// could change what Docker builds.
import { BOM } from '../engine/engine.js';
import { SKIPPED_LINE, type Document } from '../engine/document.js';
import type { Heredoc } from 'dockerfile-ast';
import { InputError, MAX_FILE_BYTES, tooLarge } from './read.js';

const KNOWN_INSTRUCTIONS = new Set(['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** A Dockerfile's bytes as text (with any BOM), and the BOM; an InputError when they are no UTF-8 text. */
export function decodeDockerfile(file: string, bytes: Buffer): { text: string; bom: string } {
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
  return { text, bom: text.startsWith(BOM) ? BOM : '' };
}

/**
 * Throws an InputError naming the line where Docker and dockmod's parser read the parsed text (without its BOM)
 * differently, or where it is no Dockerfile: an unknown instruction, no FROM, a heredoc no line ends.
 */
export function validateDockerfile(file: string, doc: Document): void {
  const body = doc.text;
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
