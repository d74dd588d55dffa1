// The same Dockerfile written another way Docker reads identically: with CRLF line endings, or with the backtick
// as its escape character (`# escape=\``). The fixture runner derives both from every fixture and expects the
// same result, converted the same way.

export const VARIANTS = ['crlf', 'escape-backtick'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Thrown when a text cannot be converted without changing what Docker reads; the fixture must opt out. */
export class NotConvertible extends Error {}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=/;
/** BuildKit's line continuation: the escape character, then only spaces or tabs to the end of the line. */
const BACKSLASH_CONTINUATION = /\\([ \t]*)$/;
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/g;
/** Instructions whose arguments Docker hands on as written (to the shell, or as JSON): a backslash there is not the escape. */
const VERBATIM = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'SHELL']);
/** Instructions that may carry heredocs (BuildKit reads them in RUN, COPY and ADD). */
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);

/** `text` converted to `variant`, or undefined when it is written that way already. */
export function convert(text: string, variant: Variant): string | undefined {
  return variant === 'crlf' ? toCrlf(text) : toBacktickEscape(text);
}

function toCrlf(text: string): string | undefined {
  if (/\r\n/.test(text)) return undefined;
  return text.replace(/\n/g, '\r\n');
}

/** How many parser directives (`# syntax=...`) the text starts with: the escape directive goes after them. */
export function leadingDirectives(text: string): number {
  const lines = text.replace(/^\uFEFF/, '').split(/(?<=\n)/);
  const count = lines.findIndex((line) => !DIRECTIVE.test(line));
  return count < 0 ? lines.length : count;
}

/**
 * `# escape=\`` on a line of its own after the parser directives, and every backslash that is the Dockerfile's escape (the line
 * continuations) turned into a backtick. Heredoc bodies and comments are not Dockerfile syntax and stay as they
 * are, and so does a backslash in a RUN, CMD or ENTRYPOINT, which the shell reads. A backslash elsewhere (ENV,
 * COPY, a Windows path) or a backtick that would become an escape cannot be converted mechanically.
 */
function toBacktickEscape(text: string): string | undefined {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = text.slice(bom.length).split(/(?<=\n)/);
  const directives = leadingDirectives(text);
  if (lines.slice(0, directives).some((line) => DIRECTIVE.exec(line)![1]!.toLowerCase() === 'escape')) return undefined;
  const eol = /\r?\n/.exec(text)?.[0] ?? '\n';
  const out = [bom, ...lines.slice(0, directives), `# escape=\`${eol}`];
  let keyword: string | undefined;
  let continued = false;
  let instructionLines: string[] = [];
  const heredocs: { name: string; stripTabs: boolean }[] = [];
  lines.slice(directives).forEach((line, at) => {
    const index = directives + at;
    const body = line.replace(/\r?\n$/, '');
    const ending = line.slice(body.length);
    const where = `line ${index + 1}`;
    if (heredocs.length) {
      const h = heredocs[0]!;
      if ((h.stripTabs ? body.replace(/^\t+/, '') : body) === h.name) heredocs.shift();
      out.push(line);
      return;
    }
    if (/^\s*(#|$)/.test(body)) {
      out.push(line);
      return;
    }
    if (!continued) {
      keyword = /^\s*(\S+)/.exec(body)![1]!.toUpperCase();
      instructionLines = [];
    }
    instructionLines.push(body);
    const continuation = BACKSLASH_CONTINUATION.exec(body);
    const code = continuation ? body.slice(0, continuation.index) : body;
    if (code.includes('`') && (!VERBATIM.has(keyword!) || (!continuation && code.trimEnd().endsWith('`')))) throw new NotConvertible(`${where}: a backtick in ${keyword} would become the escape character`);
    if (code.includes('\\') && !VERBATIM.has(keyword!)) throw new NotConvertible(`${where}: a backslash in ${keyword} is the Dockerfile escape character, not a continuation`);
    out.push(continuation ? `${code}\`${continuation[1]}${ending}` : line);
    continued = Boolean(continuation);
    if (!continued && HEREDOC_KEYWORDS.has(keyword!)) {
      for (const m of instructionLines.join('\n').matchAll(HEREDOC)) heredocs.push({ name: m[3]!, stripTabs: m[1] === '-' });
    }
  });
  return out.join('');
}
