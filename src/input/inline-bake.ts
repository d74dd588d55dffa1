// Bake's `target.<name>.dockerfile-inline` (docker-bake.hcl, docker-bake.json and their .override / other
// variants, as buildx reads them): the attribute's heredoc or quoted string in HCL, or its JSON string, is found in
// the source (HCL: src/contexts/hcl-source.ts; JSON: acorn's ranges), decoded as bake decodes it, and a new
// Dockerfile is written back line by line, a changed line keeping the escapes of its unchanged text.
//
// Bake reads the value as an HCL template, in JSON files too (hcl/json/spec.md: a string in an expression is a
// template): `$${` and `%%{` are a literal `${` and `%{`, and a `${...}` or `%{...}` is evaluated from variables and
// functions, so a value holding one is refused. HCL's `<<-` heredoc strips from each line the smallest indentation
// of its lines that are not blank (hclsyntax flushHeredocTemplateParts); a blank line keeps its spaces. Every
// rewrite is read back twice, by this decoder and by @cdktf/hcl2json (HashiCorp's parser), before it is kept.
import path from 'node:path';
import { diffArrays } from 'diff/lib/diff/array.js';
import type { Node as JsNode } from 'acorn';
import { HclScanError, parseHclBody, type HclToken } from '../contexts/hcl-source.js';
import { lines, rewriteLines, type InlineBlock, type InlineFormat, type LineWriter, type SourceLine } from './inline-block.js';

const KEY = 'dockerfile-inline';

/** One character of the Dockerfile (or the `${` / `%{` an escape writes) and how the file writes it. */
interface Unit {
  value: string;
  /** Its bytes in the file. */
  source: string;
  /** Its text in the template HCL reads (escapes of the string decoded, `$${` kept), as hcl2json gives it. */
  template: string;
}

/** A decoded value: the Dockerfile's lines, each with its units (or none: written whole) and its source line. */
interface Decoded {
  lines: { dockerfile: string; units?: Unit[]; source: SourceLine }[];
  template: string;
  /** What a new line is indented with (a `<<-` heredoc's stripped indentation). */
  indent: string;
}

/** Why a value is not read: a template sequence bake evaluates (with its text), or an escape HCL or JSON rejects. */
type Unread = { interpolation: string; line: number } | { invalid: string };

const TEMPLATE_REFUSAL = (sequence: string) =>
  `the inline Dockerfile uses \`${sequence}\`, which bake evaluates as an HCL template when it reads the file: dockmod cannot know the Dockerfile it builds (write \`$\${\` or \`%%{\` where the Dockerfile itself means \`\${\` or \`%{\`)`;

/** A Dockerfile's text as a template must hold it: each `${` and `%{` written `$${` and `%%{`. */
const escapeTemplate = (text: string): string => text.replace(/([$%])\{/g, '$1$1{');

/** A new line's units, `${` and `%{` one unit each (as their escape writes them). */
const unitsOf = (line: string): string[] => line.match(/[$%]\{|[^]/gu) ?? [];

/** The sequence that starts at `rest` (`${PKG}`, `%{ if x }`), for the message: up to its `}` on the line. */
const sequenceText = (rest: string): string => /^[^\n}]{0,60}\}?/.exec(rest)![0];

/** Template units of decoded characters (heredoc text, a JSON string's value): `$${` / `%%{` literal, `${` / `%{` refused. */
function templateUnits(chars: readonly { value: string; source: string }[]): Unit[] | { interpolation: string } {
  const units: Unit[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if ((c.value === '$' || c.value === '%') && chars[i + 1]?.value === '{') return { interpolation: sequenceText(chars.slice(i).map((x) => x.value).join('')) };
    if ((c.value === '$' || c.value === '%') && chars[i + 1]?.value === c.value && chars[i + 2]?.value === '{') {
      const three = chars.slice(i, i + 3);
      units.push({ value: `${c.value}{`, source: three.map((x) => x.source).join(''), template: `${c.value}${c.value}{` });
      i += 2;
    } else units.push({ ...c, template: c.value });
  }
  return units;
}

/** Splits units into the Dockerfile's lines; the break after the last line ends it, as `lines()` reads text. */
function unitLines(units: Unit[]): Decoded {
  const out: Decoded['lines'] = [];
  let current: Unit[] = [];
  for (const u of units) {
    if (u.value !== '\n') {
      current.push(u);
      continue;
    }
    out.push({ dockerfile: current.map((x) => x.value).join(''), units: current, source: { text: current.map((x) => x.source).join(''), eol: u.source } });
    current = [];
  }
  if (current.length) out.push({ dockerfile: current.map((x) => x.value).join(''), units: current, source: { text: current.map((x) => x.source).join(''), eol: '' } });
  return { lines: out, template: units.map((u) => u.template).join(''), indent: '' };
}

/** The Dockerfile a decoded value holds: its lines, each with the line break it has in the value. */
const dockerfileOf = (decoded: Decoded): string => decoded.lines.map((l) => l.dockerfile + (l.source.eol ? '\n' : '')).join('');

/** An HCL quoted template's content: escapes (spec: \n \r \t \" \\ \uNNNN \UNNNNNNNN) decoded, template marks read in the source. */
function readHclQuoted(inner: string): Decoded | Unread {
  const units: Unit[] = [];
  const chars = [...inner];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const e = chars[i + 1];
      const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
      const hex = e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const digits = chars.slice(i + 2, i + 2 + hex).join('');
      if (e !== undefined && simple[e] !== undefined) {
        units.push({ value: simple[e], source: c + e, template: simple[e] });
        i++;
      } else if (hex && /^[0-9a-fA-F]+$/.test(digits) && digits.length === hex && parseInt(digits, 16) <= 0x10ffff) {
        const value = String.fromCodePoint(parseInt(digits, 16));
        units.push({ value, source: `\\${e}${digits}`, template: value });
        i += 1 + hex;
      } else return { invalid: `the escape \\${e ?? ''}` };
    } else if ((c === '$' || c === '%') && chars[i + 1] === '{') return { interpolation: sequenceText(chars.slice(i).join('')), line: 0 };
    else if ((c === '$' || c === '%') && chars[i + 1] === c && chars[i + 2] === '{') {
      units.push({ value: `${c}{`, source: `${c}${c}{`, template: `${c}${c}{` });
      i += 2;
    } else units.push({ value: c, source: c, template: c });
  }
  return unitLines(units);
}

/** A JSON string's content: decoded as JSON, then read as a template (hcl/json/spec.md). */
function readJsonString(inner: string): Decoded | Unread {
  const chars: { value: string; source: string }[] = [];
  const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  const unicode = /\\u([0-9a-fA-F]{4})(?:\\u(d[c-f][0-9a-f]{2}))?/iy;
  for (let i = 0; i < inner.length; ) {
    if (inner[i] !== '\\') {
      const c = String.fromCodePoint(inner.codePointAt(i)!);
      chars.push({ value: c, source: c });
      i += c.length;
      continue;
    }
    unicode.lastIndex = i;
    const u = unicode.exec(inner);
    const high = u ? parseInt(u[1]!, 16) : 0;
    if (u && u[2] && high >= 0xd800 && high < 0xdc00) {
      chars.push({ value: String.fromCharCode(high, parseInt(u[2], 16)), source: u[0] });
      i += u[0].length;
    } else if (u) {
      chars.push({ value: String.fromCharCode(high), source: inner.slice(i, i + 6) });
      i += 6;
    } else if (simple[inner[i + 1]!] !== undefined) {
      chars.push({ value: simple[inner[i + 1]!]!, source: inner.slice(i, i + 2) });
      i += 2;
    } else return { invalid: `the escape ${inner.slice(i, i + 2)}` };
  }
  const units = templateUnits(chars);
  return Array.isArray(units) ? unitLines(units) : { ...units, line: 0 };
}

/** A heredoc's content lines: a `<<-` heredoc's common indentation stripped from each line that is not blank. */
function readHeredoc(content: string, flush: boolean): Decoded | Unread {
  const physical = content.match(/[^\n]*\n/g) ?? [];
  const bodies = physical.map((l) => l.slice(0, -1));
  const blank = (l: string) => /^\s*$/u.test(l);
  const leading = (l: string) => [.../^\s*/u.exec(l)![0]].length;
  const strip = flush ? Math.min(...bodies.filter((l) => !blank(l)).map(leading)) : 0;
  const firstText = bodies.find((l) => !blank(l));
  const indent = flush && firstText !== undefined ? [...firstText].slice(0, strip).join('') : '';
  const out: Decoded['lines'] = [];
  let template = '';
  for (const [index, body] of bodies.entries()) {
    const text = blank(body) || !Number.isFinite(strip) ? body : [...body].slice(strip).join('');
    const units = templateUnits([...text].map((c) => ({ value: c, source: c })));
    if (!Array.isArray(units)) return { ...units, line: index };
    out.push({ dockerfile: units.map((u) => u.value).join(''), source: { text: body, eol: '\n' } });
    template += text + '\n';
  }
  return { lines: out, template, indent };
}

/** Where a definition of the attribute is, and its literal value (none: the value is an expression). */
interface Definition {
  /** Offset of the attribute (HCL: its name; JSON: its key). */
  at: number;
  literal?: { kind: 'heredoc' | 'quoted' | 'json'; start: number; end: number; flush: boolean };
}

/** The target's blocks (or JSON keys) in the source: where the first is, and every definition of dockerfile-inline in them. */
type Located = { target?: number; definitions: Definition[] };

function locateHcl(text: string, target: string): Located {
  const blocks = parseHclBody(text).blocks.filter((b) => b.type === 'target' && b.labels.length === 1 && b.labels[0] === target);
  const definitions = blocks.flatMap((b) => b.attributes.filter((a) => a.name === KEY)).map((a): Definition => {
    const only: HclToken | undefined = a.value.length === 1 ? a.value[0] : undefined;
    if (only?.kind === 'heredoc') return { at: a.start, literal: { kind: 'heredoc', start: only.heredoc!.contentStart, end: only.heredoc!.contentEnd, flush: only.heredoc!.flush } };
    if (only?.kind === 'string') return { at: a.start, literal: { kind: 'quoted', start: only.start + 1, end: only.end - 1, flush: false } };
    return { at: a.start };
  });
  return { target: blocks[0]?.start, definitions };
}

async function locateJson(text: string, target: string): Promise<Located> {
  const { parseExpressionAt } = await import('acorn');
  type Obj = JsNode & { type: 'ObjectExpression'; properties: (JsNode & { type: string; key: JsNode & { value?: unknown }; value: JsNode })[] };
  const root = parseExpressionAt(text, text.startsWith('\uFEFF') ? 1 : 0, { ecmaVersion: 'latest' }) as JsNode;
  const bodies = (node: JsNode): Obj[] =>
    node.type === 'ObjectExpression' ? [node as Obj] : node.type === 'ArrayExpression' ? (node as JsNode & { elements: JsNode[] }).elements.filter((e) => e?.type === 'ObjectExpression') as Obj[] : [];
  const properties = (obj: Obj, key: string) => obj.properties.filter((p) => p.type === 'Property' && p.key.type === 'Literal' && p.key.value === key);
  const named = bodies(root).flatMap((b) => properties(b, 'target')).flatMap((p) => bodies(p.value)).flatMap((t) => properties(t, target));
  const definitions = named.flatMap((p) => bodies(p.value)).flatMap((b) => properties(b, KEY)).map((p): Definition => {
    const value = p.value as JsNode & { value?: unknown };
    return value.type === 'Literal' && typeof value.value === 'string' ? { at: p.start, literal: { kind: 'json', start: value.start + 1, end: value.end - 1, flush: false } } : { at: p.start };
  });
  return { target: named[0]?.start, definitions };
}

/** A bake file's semantic reading (hcl2json's for HCL), and the target's dockerfile-inline values and everything else in it. */
function splitInline(doc: unknown, target: string): { values: unknown[]; rest: string } {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const bodies = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null) : typeof v === 'object' && v !== null ? [v as Record<string, unknown>] : []);
  const values: unknown[] = [];
  for (const targets of bodies(copy?.target))
    for (const spec of bodies(targets[target])) {
      if (KEY in spec) values.push(spec[KEY]);
      delete spec[KEY];
    }
  return { values, rest: JSON.stringify(copy) };
}

/** Bake's `target.<name>.dockerfile-inline` in an HCL or JSON bake file. */
export async function bakeFormat(file: string, text: string): Promise<InlineFormat> {
  const hcl = file.endsWith('.hcl');
  const readDoc = async (source: string): Promise<unknown> => (hcl ? (await import('@cdktf/hcl2json')).parse(path.basename(file), source) : JSON.parse(source));
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  const original = await readDoc(text);
  const locate = async (source: string, target: string): Promise<Located | string> => {
    try {
      return hcl ? locateHcl(source, target) : await locateJson(source, target);
    } catch (error) {
      if (error instanceof HclScanError || error instanceof SyntaxError) return `the file's source could not be read to find dockerfile-inline (${error.message})`;
      throw error;
    }
  };
  const decode = (source: string, literal: NonNullable<Definition['literal']>) => {
    const content = source.slice(literal.start, literal.end);
    return literal.kind === 'heredoc' ? readHeredoc(content, literal.flush) : literal.kind === 'quoted' ? readHclQuoted(content) : readJsonString(content);
  };
  return {
    key: KEY,
    noun: 'target',
    async locate(build) {
      const place = await locate(text, build.key);
      if (typeof place === 'string') return { line: 1, reason: place };
      const { definitions } = place;
      const targetLine = place.target === undefined ? 1 : lineOf(place.target);
      if (build.inheritedFrom !== undefined) return { line: targetLine, reason: `inherits dockerfile-inline from target ${build.inheritedFrom}, which is rewritten where it is written` };
      if (definitions.length === 0) return { line: targetLine, reason: 'dockerfile-inline was not found in the source' };
      const line = lineOf(definitions[0]!.at);
      if (definitions.length > 1) return { line: targetLine, reason: `dockerfile-inline is set in more than one target "${build.key}" block (lines ${definitions.map((d) => lineOf(d.at)).join(' and ')}): dockmod cannot tell which one bake builds` };
      if (build.refusal !== undefined || build.context === undefined) return { line, reason: build.refusal ?? 'no build context' };
      const literal = definitions[0]!.literal;
      if (!literal) return { line, reason: `dockerfile-inline is ${hcl ? 'an expression, not a quoted string or heredoc' : 'not a string'}: dockmod rewrites only a Dockerfile written out in the file` };
      const valueLine = lineOf(literal.start);
      const decoded = decode(text, literal);
      if ('interpolation' in decoded) {
        return { line: valueLine + decoded.line, reason: TEMPLATE_REFUSAL(decoded.interpolation) };
      }
      if ('invalid' in decoded) return { line, reason: `dockerfile-inline holds ${decoded.invalid}, which bake does not read` };
      // What HashiCorp's parser reads must be what this decoder read, or the place found is not the one bake builds.
      const { values } = splitInline(original, build.key);
      if (values.length !== 1 || values[0] !== decoded.template) return { line, reason: 'dockerfile-inline could not be matched with what bake reads from the file' };
      const oldLines = decoded.lines.map((l) => l.dockerfile);
      const dockerfile = dockerfileOf(decoded);
      const what = literal.kind === 'heredoc' ? 'the heredoc' : 'the string';
      const encodeChar = literal.kind === 'json' ? (c: string) => JSON.stringify(c).slice(1, -1) : (c: string) => ({ '\\': '\\\\', '"': '\\"', '\r': '\\r', '\n': '\\n' })[c] ?? c;
      const encode = (units: readonly string[]) => units.map((u) => (u.length === 2 && u[1] === '{' && (u[0] === '$' || u[0] === '%') ? escapeTemplate(u) : encodeChar(u))).join('');
      const block: InlineBlock = {
        start: literal.start,
        end: literal.end,
        dockerfile,
        line,
        fileLine: (n) => (literal.kind === 'heredoc' ? valueLine + n - 1 : valueLine),
        async render(next) {
          const writer: LineWriter =
            literal.kind === 'heredoc'
              ? { write: (l) => (/^\s*$/u.test(l) ? l : decoded.indent + escapeTemplate(l)), eol: '\n' }
              : {
                  write: (l) => encode(unitsOf(l)),
                  // A changed line keeps the source of the characters it keeps (their escapes as written).
                  rewrite(replaced, l) {
                    const old = decoded.lines[replaced]!.units!;
                    let from = 0;
                    let out = '';
                    for (const part of diffArrays(old.map((u) => u.value), unitsOf(l))) {
                      if (part.added) out += encode(part.value);
                      else if (!part.removed) out += old.slice(from, from + part.value.length).map((u) => u.source).join('');
                      if (!part.added) from += part.value.length;
                    }
                    return out;
                  },
                  eol: '\\n',
                  lastEol: next.endsWith('\n') ? decoded.lines.at(-1)?.source.eol || '\\n' : '',
                };
          const newText = rewriteLines(oldLines, lines(next), decoded.lines.map((l) => l.source), writer);
          const candidate = text.slice(0, literal.start) + newText + text.slice(literal.end);
          // Read back by this decoder and by bake's own reading: the new Dockerfile there, everything else unchanged.
          const again = await locate(candidate, build.key);
          const back = typeof again === 'string' || again.definitions.length !== 1 || !again.definitions[0]!.literal ? undefined : decode(candidate, again.definitions[0]!.literal);
          if (!back || !('lines' in back) || dockerfileOf(back) !== next) return { refusal: `${what} would not read the new text as written` };
          let reread: unknown;
          try {
            reread = await readDoc(candidate);
          } catch {
            return { refusal: `${what} would not read the new text as written (bake could not parse the file)` };
          }
          const before = splitInline(original, build.key);
          const after = splitInline(reread, build.key);
          if (after.rest !== before.rest || after.values.length !== 1 || after.values[0] !== back.template) return { refusal: `${what} would not read the new text as written` };
          return { text: newText };
        },
      };
      return block;
    },
  };
}
