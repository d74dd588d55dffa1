// Dockerfiles held inline in a compose file (`services.<name>.build.dockerfile_inline`): each is optimized with its
// service's build context, and only the lines it changes are written back into its YAML scalar, in the scalar's
// own style and indentation; every other byte of the file stays as it was. Where the scalar cannot hold the new
// text as written (a folded block, a plain scalar that would need quotes, chomping that would change the last
// newline) or the text is not the Dockerfile compose builds (`${VAR}` interpolation), the block is left alone
// and a skip names the line. Bake's `dockerfile-inline` is refused as a whole (not supported yet).
import path from 'node:path';
import type { CST, Document as YamlDocument, Node as YamlNode, Scalar } from 'yaml';
import { diffArrays } from 'diff/lib/diff/array.js';
import { Document } from '../engine/document.js';
import type { AppliedChange, ReportedSkip } from '../engine/types.js';
import type { InlineBuild } from '../contexts/compose.js';
import { optimizeParsed, type FileResult, type ProcessOptions } from './process.js';
import { InputError, type DockerfileSource } from './read.js';
import { decodeDockerfile, validateDockerfile } from './validate.js';

/** The id skips about the inline block itself carry (no transform is to blame): the compose key. */
export const INLINE_SKIP = 'dockerfile_inline';

/** An inline Dockerfile found in the YAML: where its scalar's text is, and how to write a new Dockerfile into it. */
interface InlineBlock {
  /** [start, end) of the scalar's text that a rewrite replaces (a block scalar: its content lines, not the header). */
  start: number;
  end: number;
  /** The Dockerfile compose builds: the scalar's value with `$$` read as `$`. */
  dockerfile: string;
  /** 1-based YAML line of the Dockerfile's 1-based line. */
  yamlLine(line: number): number;
  /** The scalar's new text for a new Dockerfile, or why its style cannot hold it. */
  render(dockerfile: string): { text: string } | { refusal: string };
}

type Yaml = typeof import('yaml');

/** Optimizes the inline Dockerfiles of a compose file (bake files: refused) into one result for the YAML file. */
export async function optimizeInline(source: DockerfileSource, builds: readonly InlineBuild[], options: ProcessOptions, builtWith: Record<string, string[]> | undefined): Promise<FileResult> {
  const { text } = decodeDockerfile(source.file, source.bytes);
  const result: FileResult = { file: source.file, before: text, after: text, extra: [], changes: [], skips: [], heldBack: [], refused: [], summaries: {}, docs: {}, stat: source.stat };
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  if (/docker-bake/.test(path.basename(source.file))) {
    for (const build of builds) result.skips.push({ transform: INLINE_SKIP, line: bakeInlineLine(text, build.key), reason: `target ${build.key}: dockerfile-inline in a bake file is not optimized (dockmod rewrites inline Dockerfiles of compose files only)` });
    return result;
  }
  const yaml: Yaml = await import('yaml');
  const doc = yaml.parseDocument(text, { keepSourceTokens: true, merge: true });
  const edits: { start: number; end: number; text: string }[] = [];
  for (const build of builds) {
    // The finding names the file; the reason names the service.
    const who = `service ${build.key}`;
    const skip = (line: number, reason: string) => result.skips.push({ transform: INLINE_SKIP, line, reason: `${who}: ${reason}` });
    const located = locateScalar(yaml, doc, build.key);
    if (typeof located === 'string') {
      skip(lineOf(serviceOffset(yaml, doc, build.key)), located);
      continue;
    }
    const scalarLine = lineOf(located.range![0]);
    if (build.refusal !== undefined || build.context === undefined) {
      skip(scalarLine, build.refusal ?? 'no build context');
      continue;
    }
    const block = readBlock(yaml, text, located, build.key, lineOf);
    if (typeof block === 'string') {
      skip(scalarLine, block);
      continue;
    }
    if ('interpolation' in block) {
      skip(block.line, `the inline Dockerfile uses \`${block.interpolation}\`, which compose replaces from the environment before the build: dockmod cannot know the Dockerfile it builds (write \`$$\` for a \`$\` the Dockerfile itself reads)`);
      continue;
    }
    const dockerfileDoc = new Document(block.dockerfile);
    try {
      validateDockerfile(source.file, dockerfileDoc);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      skip(scalarLine, `the inline Dockerfile is not rewritten: ${error.message} (a line of the inline Dockerfile; it starts on line ${block.yamlLine(1)})`);
      continue;
    }
    const contextDir = build.context;
    const { result: one } = optimizeParsed({ source, text: block.dockerfile, bom: '', doc: dockerfileDoc, inline: true }, contextDir, { ...options, builtWith: builtWith?.[contextDir] });
    const mapChange = (c: AppliedChange): AppliedChange => ({ ...c, line: block.yamlLine(c.line), edited: c.edited.map((s) => ({ start: block.yamlLine(s.start), end: block.yamlLine(s.end) })) });
    const mapSkip = (s: ReportedSkip): ReportedSkip => ({ ...s, line: block.yamlLine(s.line) });
    result.skips.push(...one.skips.map(mapSkip));
    result.heldBack.push(...one.heldBack.map(mapChange));
    result.refused.push(...one.refused);
    Object.assign(result.summaries, one.summaries);
    Object.assign(result.docs, one.docs);
    if (one.after === block.dockerfile) continue;
    const rendered = block.render(one.after);
    if ('refusal' in rendered) {
      for (const c of one.changes) result.skips.push({ transform: c.transform, line: block.yamlLine(c.line), reason: `${who}: ${rendered.refusal}; not rewritten: ${c.message}` });
      continue;
    }
    edits.push({ start: block.start, end: block.end, text: rendered.text });
    result.changes.push(...one.changes.map(mapChange));
    for (const e of one.extra) if (!result.extra.some((x) => x.file === e.file)) result.extra.push(e);
  }
  edits.sort((a, b) => b.start - a.start);
  result.after = edits.reduce((t, e) => t.slice(0, e.start) + e.text + t.slice(e.end), text);
  result.changes.sort((a, b) => a.line - b.line);
  result.skips.sort((a, b) => a.line - b.line);
  return result;
}

/** The `dockerfile_inline` scalar of a service, or why it cannot be edited in place. */
function locateScalar(yaml: Yaml, doc: YamlDocument, service: string): Scalar | string {
  const node = doc.getIn(['services', service, 'build', 'dockerfile_inline'], true);
  // Reached only through an alias or a merge key: its text is shared with what else uses the anchor.
  if (!yaml.isScalar(node)) return 'build.dockerfile_inline comes from a YAML alias or merge key; editing the anchored text would change every service that uses it';
  if (node.anchor !== undefined && hasAlias(yaml, doc, node.anchor)) return `build.dockerfile_inline is anchored (&${node.anchor}) and used elsewhere; editing it would change every service that uses it`;
  if (typeof node.value !== 'string') return 'build.dockerfile_inline is not a string';
  return node;
}

function hasAlias(yaml: Yaml, doc: YamlDocument, anchor: string): boolean {
  let found = false;
  yaml.visit(doc, { Alias: (_, alias) => void (found ||= alias.source === anchor) });
  return found;
}

/** Where a service's key is, for a skip about it. */
function serviceOffset(yaml: Yaml, doc: YamlDocument, service: string): number {
  const services = doc.get('services', true);
  const pair = yaml.isMap(services) ? services.items.find((p) => yaml.isScalar(p.key) && p.key.value === service) : undefined;
  return (pair?.key as YamlNode | undefined)?.range?.[0] ?? 0;
}

/**
 * Compose's interpolation (compose-spec, "Interpolation"): `$$` is a literal `$`; `$NAME` and `${...}` are replaced
 * from the environment; any other `$` is itself. Returns the Dockerfile, or the first interpolation and its offset.
 */
function readInterpolation(value: string): { dockerfile: string } | { interpolation: string; index: number } {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '$') {
      out += value[i];
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{' || (next !== undefined && /[_A-Za-z]/.test(next))) {
      return { interpolation: /^\$(?:\{[^}\n]*\}?|[_A-Za-z][_A-Za-z0-9]*)/.exec(value.slice(i))![0], index: i };
    } else out += '$';
  }
  return { dockerfile: out };
}

/** A Dockerfile's text as compose must read it back: each `$` that would start an interpolation or an escape, doubled. */
const escapeInterpolation = (dockerfile: string): string => dockerfile.replace(/\$(?=[$\{_A-Za-z])/g, '$$$$');

/** Lines without their line endings; a final line break ends the last line rather than starting an empty one. */
const lines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

function readBlock(yaml: Yaml, text: string, node: Scalar, service: string, lineOf: (offset: number) => number): InlineBlock | { interpolation: string; line: number } | string {
  const value = node.value as string;
  const token = node.srcToken;
  if (!token) return 'build.dockerfile_inline has no source position';
  const keyPath = ['services', service, 'build', 'dockerfile_inline'];
  /** The new file is kept only when YAML reads it as the old one with this scalar's value replaced by `expected`. */
  const readsAs = (newText: string, expected: string): 'same' | 'trailing-newline' | 'different' => {
    const again = yaml.parseDocument(newText, { merge: true });
    if (again.errors.length) return 'different';
    const node = again.getIn(keyPath, true);
    if (!yaml.isScalar(node) || typeof node.value !== 'string') return 'different';
    const got = readInterpolation(node.value);
    const other = (d: YamlDocument.Parsed) => {
      const copy = d.clone();
      copy.setIn(keyPath, '');
      return JSON.stringify(copy.toJS({ maxAliasCount: 1000 }));
    };
    if (other(again) !== other(yaml.parseDocument(text, { merge: true }))) return 'different';
    if ('dockerfile' in got && got.dockerfile === expected) return 'same';
    return 'dockerfile' in got && got.dockerfile.replace(/\n+$/, '') === expected.replace(/\n+$/, '') ? 'trailing-newline' : 'different';
  };
  if (node.type === 'BLOCK_FOLDED') return 'build.dockerfile_inline is a folded block scalar (>), whose line breaks YAML joins: dockmod cannot write changed lines into it (write it as a literal block, |)';
  if (token.type === 'block-scalar') {
    const { props, source: content } = token as CST.BlockScalar;
    const header = props.find((p): p is CST.SourceToken => p.type === 'block-scalar-header')?.source ?? '|';
    const last = props[props.length - 1] as CST.SourceToken;
    const start = last.offset + last.source.length;
    const end = start + content.length;
    const source = text.slice(start, end).match(/[^\n]*\n|[^\n]+$/g) ?? [];
    const old = lines(value);
    // Each content line is the value's line after the block's indentation; blank lines may hold less.
    const firstText = old.findIndex((l) => l !== '');
    const indent = firstText < 0 ? 0 : source[firstText]!.replace(/\r?\n$/, '').length - old[firstText]!.length;
    const eol = source[0]?.endsWith('\r\n') ? '\r\n' : '\n';
    const firstLine = lineOf(start);
    const read = readInterpolation(value);
    if ('interpolation' in read) return { interpolation: read.interpolation, line: firstLine + value.slice(0, read.index).split('\n').length - 1 };
    const dockerfileLines = lines(read.dockerfile);
    return {
      start,
      end,
      dockerfile: read.dockerfile,
      yamlLine: (line) => firstLine + line - 1,
      render(dockerfile) {
        const out: string[] = [];
        let from = 0;
        for (const part of diffArrays(dockerfileLines, lines(dockerfile))) {
          if (part.removed) from += part.value.length;
          else if (part.added) out.push(...part.value.map((l) => (l === '' ? eol : ' '.repeat(indent) + escapeInterpolation(l) + eol)));
          else {
            out.push(...source.slice(from, from + part.value.length));
            from += part.value.length;
          }
        }
        // Lines the value leaves out (blank lines that clipping drops) stay after the content.
        const newText = out.map((l, i) => (i < out.length - 1 && !l.endsWith('\n') ? l + eol : l)).join('') + source.slice(old.length).join('');
        const candidate = text.slice(0, start) + newText + text.slice(end);
        const reading = readsAs(candidate, dockerfile);
        if (reading === 'same') return { text: newText };
        if (reading === 'trailing-newline') return { refusal: `the block's chomping (${header}) would not keep the new text's final line break as the rewrite has it` };
        return { refusal: `the block scalar (${header}) would not read the new lines as written (its indentation is set by its first line)` };
      },
    };
  }
  // A flow scalar (plain, 'single' or "double" quoted): rewritten whole, in its own style, on one line.
  const [start, end] = node.range!;
  const line = lineOf(start);
  const read = readInterpolation(value);
  if ('interpolation' in read) return { interpolation: read.interpolation, line };
  const style = node.type === 'PLAIN' ? 'plain' : node.type === 'QUOTE_SINGLE' ? 'single-quoted' : 'double-quoted';
  return {
    start,
    end,
    dockerfile: read.dockerfile,
    yamlLine: () => line,
    render(dockerfile) {
      const scalar = new yaml.Scalar(escapeInterpolation(dockerfile));
      scalar.type = node.type;
      const written = yaml.stringify(scalar, { lineWidth: 0, doubleQuotedMinMultiLineLength: Infinity }).replace(/\n$/, '');
      const sameStyle = node.type === 'PLAIN' ? !/^["']/.test(written) : written[0] === (node.type === 'QUOTE_SINGLE' ? "'" : '"');
      if (!sameStyle || written.includes('\n')) return { refusal: `build.dockerfile_inline is a ${style} scalar, which cannot hold the new text on its line without ${sameStyle ? 'folding' : 'quoting'} (write it as a literal block, |)` };
      if (readsAs(text.slice(0, start) + written + text.slice(end), dockerfile) !== 'same') return { refusal: `the ${style} scalar would not read the new text as written` };
      return { text: written };
    },
  };
}

/** The line of a bake target's `dockerfile-inline` (HCL or JSON), found after the target's name; 1 when not found. */
function bakeInlineLine(text: string, target: string): number {
  const name = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const opening = new RegExp(`(?:target\\s+"${name}"\\s*\\{|"${name}"\\s*:\\s*\\{)`).exec(text);
  const from = opening?.index ?? 0;
  const at = /"?dockerfile-inline"?\s*[=:]/.exec(text.slice(from));
  return at ? text.slice(0, from + at.index).split('\n').length : 1;
}
