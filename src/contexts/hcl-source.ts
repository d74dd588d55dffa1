// Where blocks and attributes are in an HCL file's source (HashiCorp's native syntax, hclsyntax/spec.md).
// @cdktf/hcl2json gives values but no positions, and no well-kept JavaScript HCL parser gives ranges, so this scan
// finds them, following hclsyntax's scanner (scan_tokens.rl) for everything that can hide a `{`, `}`, `=` or a
// line break: comments (`#`, `//`, `/* */`), quoted templates with their `${ }` and `%{ }` sequences (`$${` and
// `%%{` are literal text), and heredocs (`<<EOT`, `<<-EOT`, closed by the marker alone on a line). What it cannot
// read throws, so a caller never edits a place it only guessed.

export type HclTokenKind = 'ident' | 'string' | 'heredoc' | 'newline' | 'open' | 'close' | 'equals' | 'other';

export interface HclToken {
  kind: HclTokenKind;
  /** [start, end) in the source; for a string, the quotes included; for a heredoc, from `<<` to the closing marker. */
  start: number;
  end: number;
  /** A heredoc's content, [start, end) of its lines (the closing marker's line not included), and whether it is `<<-`. */
  heredoc?: { contentStart: number; contentEnd: number; flush: boolean };
}

export interface HclAttribute {
  name: string;
  /** Offset of the attribute's name. */
  start: number;
  /** The tokens of its expression, up to the line break (or `}`) that ends it. */
  value: HclToken[];
}

export interface HclBlock {
  type: string;
  labels: string[];
  /** Offset of the block's type name. */
  start: number;
  attributes: HclAttribute[];
  blocks: HclBlock[];
}

export class HclScanError extends Error {}

const IDENT = /[\p{ID_Start}_][\p{ID_Continue}-]*/uy;
const HEREDOC_OPENER = /<<(-?)([\p{ID_Start}_][\p{ID_Continue}-]*)\r?\n/uy;

/** The tokens of an HCL file's body, comments and spaces left out. */
export function scanHcl(text: string): HclToken[] {
  const tokens: HclToken[] = [];
  let pos = 0;
  const fail = (what: string): never => {
    throw new HclScanError(`${what} at line ${text.slice(0, pos).split('\n').length}`);
  };
  const at = (s: string) => text.startsWith(s, pos);

  /** Past a `${ ... }` or `%{ ... }` sequence whose opener is already read: to after the `}` that closes it. */
  const skipSequence = () => {
    let braces = 0;
    while (pos < text.length) {
      if (at('}') || at('~}')) {
        pos += at('~}') ? 2 : 1;
        if (braces === 0) return;
        braces--;
      } else if (at('{')) {
        braces++;
        pos++;
      } else if (!skipTrivia() && !skipTemplate()) pos++;
    }
    fail('an unclosed template sequence');
  };

  /** Past a comment at pos (a line comment stops before its line break); false when there is none. */
  const skipTrivia = (): boolean => {
    if (at('#') || at('//')) {
      while (pos < text.length && text[pos] !== '\n' && !at('\r\n')) pos++;
      return true;
    }
    if (at('/*')) {
      const end = text.indexOf('*/', pos + 2);
      if (end < 0) fail('an unclosed /* comment');
      pos = end + 2;
      return true;
    }
    return false;
  };

  /** Template text at pos: a `$${` / `%%{` escape is literal, a `${` / `%{` opens a sequence. True when it read one. */
  const templateMark = (): boolean => {
    const c = text[pos];
    if (c !== '$' && c !== '%') return false;
    if (text[pos + 1] === '{') {
      pos += 2;
      skipSequence();
    } else pos += text[pos + 1] === c && text[pos + 2] === '{' ? 3 : 1;
    return true;
  };

  /** Past a quoted template or heredoc at pos, pushing nothing; true when there was one (used inside sequences). */
  const skipTemplate = (): boolean => {
    const start = pos;
    if (at('"')) {
      quoted();
      return true;
    }
    HEREDOC_OPENER.lastIndex = pos;
    if (HEREDOC_OPENER.test(text)) {
      heredoc();
      return true;
    }
    pos = start;
    return false;
  };

  const quoted = (): void => {
    pos++;
    while (pos < text.length) {
      const c = text[pos];
      if (c === '"') {
        pos++;
        return;
      }
      if (c === '\n' || c === '\r') fail('a line break in a quoted string');
      if (c === '\\') pos += 2;
      else if (!templateMark()) pos++;
    }
    fail('an unclosed quoted string');
  };

  const heredoc = (): HclToken['heredoc'] => {
    HEREDOC_OPENER.lastIndex = pos;
    const opener = HEREDOC_OPENER.exec(text)!;
    const [, dash, marker] = opener;
    pos += opener[0].length;
    const contentStart = pos;
    let lineStart = true;
    while (pos < text.length) {
      if (lineStart) {
        const nl = text.indexOf('\n', pos);
        const lineEnd = nl < 0 ? text.length : nl;
        if (text.slice(pos, lineEnd).trim() === marker) {
          const contentEnd = pos;
          // The marker's line break ends the attribute: it is the next token.
          pos = text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
          return { contentStart, contentEnd, flush: dash === '-' };
        }
      }
      lineStart = false;
      if (text[pos] === '\n') {
        lineStart = true;
        pos++;
      } else if (!templateMark()) pos++;
    }
    return fail(`an unclosed heredoc (${marker})`);
  };

  while (pos < text.length) {
    const c = text[pos]!;
    const start = pos;
    const push = (kind: HclTokenKind, length: number) => {
      pos += length;
      tokens.push({ kind, start, end: pos });
    };
    if (c === ' ' || c === '\t') pos++;
    else if (c === '\n') push('newline', 1);
    else if (at('\r\n')) push('newline', 2);
    else if (skipTrivia()) continue;
    else if (c === '"') {
      quoted();
      tokens.push({ kind: 'string', start, end: pos });
    } else if (at('<<') && ((HEREDOC_OPENER.lastIndex = pos), HEREDOC_OPENER.test(text))) {
      const content = heredoc();
      tokens.push({ kind: 'heredoc', start, end: pos, heredoc: content });
    } else if ('{(['.includes(c)) push('open', 1);
    else if ('})]'.includes(c)) push('close', 1);
    else if (c === '=' && !at('==') && !at('=>')) push('equals', 1);
    else if (['==', '=>', '!=', '<=', '>=', '&&', '||', '::', '~}'].some(at)) push('other', 2);
    else {
      IDENT.lastIndex = pos;
      const ident = IDENT.exec(text);
      if (ident && !/\d/.test(c)) push('ident', ident[0].length);
      else push('other', String.fromCodePoint(text.codePointAt(pos)!).length);
    }
  }
  return tokens;
}

/** The text a quoted block label names (a label cannot hold a template: `${` is an error there, as in HCL). */
function labelText(text: string, token: HclToken): string {
  const inner = text.slice(token.start + 1, token.end - 1);
  if (/[$%]\{/.test(inner.replace(/([$%])\1\{/g, ''))) throw new HclScanError('a template in a block label');
  try {
    return JSON.parse(`"${inner.replace(/\\U([0-9a-fA-F]{8})/g, (_, hex: string) => JSON.stringify(String.fromCodePoint(parseInt(hex, 16))).slice(1, -1))}"`) as string;
  } catch {
    throw new HclScanError(`a block label that is not a plain string: ${text.slice(token.start, token.end)}`);
  }
}

/** The top-level body of an HCL file: its attributes and blocks, nested blocks included. Throws HclScanError. */
export function parseHclBody(text: string): HclBlock {
  const tokens = scanHcl(text);
  let i = 0;
  const body = (type: string, labels: string[], start: number, closed: boolean): HclBlock => {
    const block: HclBlock = { type, labels, start, attributes: [], blocks: [] };
    for (;;) {
      while (tokens[i]?.kind === 'newline') i++;
      const token = tokens[i];
      if (!token) {
        if (closed) throw new HclScanError(`block ${type} is not closed`);
        return block;
      }
      if (closed && token.kind === 'close' && text[token.start] === '}') {
        i++;
        return block;
      }
      if (token.kind !== 'ident') throw new HclScanError(`unexpected ${JSON.stringify(text.slice(token.start, token.end))} where an attribute or block starts`);
      const name = text.slice(token.start, token.end);
      i++;
      if (tokens[i]?.kind === 'equals') {
        i++;
        const value: HclToken[] = [];
        let depth = 0;
        for (; i < tokens.length; i++) {
          const t = tokens[i]!;
          if (depth === 0 && (t.kind === 'newline' || (t.kind === 'close' && text[t.start] === '}'))) break;
          if (t.kind === 'open') depth++;
          if (t.kind === 'close') depth--;
          value.push(t);
        }
        block.attributes.push({ name, start: token.start, value });
        continue;
      }
      const blockLabels: string[] = [];
      for (; tokens[i]?.kind === 'string' || tokens[i]?.kind === 'ident'; i++) {
        const t = tokens[i]!;
        blockLabels.push(t.kind === 'string' ? labelText(text, t) : text.slice(t.start, t.end));
      }
      const open = tokens[i];
      if (open?.kind !== 'open' || text[open.start] !== '{') throw new HclScanError(`block ${name} has no {`);
      i++;
      block.blocks.push(body(name, blockLabels, token.start, true));
    }
  };
  return body('', [], 0, false);
}
