// Refusing what is not a Dockerfile dockmod can rewrite: bytes that are no UTF-8 text, and text that Docker
// (BuildKit) and dockmod's parser (dockerfile-ast) would read differently, since a rewrite of the parser's reading
// could change what Docker builds.
import { BOM } from '../engine/engine.js';
import type { Document } from '../engine/document.js';
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
  const escapedSpace = doc.escapedSpaceBeforeContinuation();
  if (escapedSpace) throw new InputError(file, escapedSpace);
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
  const misread = doc.instructionEndsMisread();
  if (misread) throw new InputError(file, misread);
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
