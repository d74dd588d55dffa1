// Dockerfiles held inline in a build file: a compose file's `services.<name>.build.dockerfile_inline` (here) and a
// bake file's `target.<name>.dockerfile-inline` (inline-bake.ts). Each is optimized with its service's or target's
// build context, and only the lines it changes are written back into the block, in the block's own style and
// indentation; every other byte of the file stays as it was. Where the block cannot hold the new text as written
// (a folded YAML block, a plain scalar that would need quotes, chomping that would change the last newline) or the
// text is not the Dockerfile the tool builds (compose's `${VAR}` interpolation, an HCL template), the block is left
// alone and a skip names the line.
import path from 'node:path';
import type { CST, Document as YamlDocument, Node as YamlNode, Scalar } from 'yaml';
import { Document } from '../engine/document.js';
import type { AppliedChange, ReportedSkip } from '../engine/types.js';
import type { InlineBuild } from '../contexts/compose.js';
import type { ContextBuilders } from '../contexts/context.js';
import { optimizeParsed, type FileResult, type ProcessOptions } from './process.js';
import { InputError, type DockerfileSource } from './read.js';
import { decodeDockerfile, validateDockerfile } from './validate.js';
import { lines, rewriteLines, sourceLines, type InlineBlock, type InlineFormat } from './inline-block.js';

type Yaml = typeof import('yaml');

/** Optimizes the inline Dockerfiles of a compose or bake file into one result for that file. */
export async function optimizeInline(source: DockerfileSource, builds: readonly InlineBuild[], options: ProcessOptions, buildersOf: (contextDir: string) => ContextBuilders): Promise<FileResult> {
  const { text } = decodeDockerfile(source.file, source.bytes);
  const result: FileResult = { file: source.file, before: text, after: text, extra: [], changes: [], skips: [], heldBack: [], refused: [], summaries: {}, docs: {}, stat: source.stat };
  const format = /docker-bake/.test(path.basename(source.file)) ? await (await import('./inline-bake.js')).bakeFormat(source.file, text) : await composeFormat(text);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const build of builds) {
    // The finding names the file; the reason names the service or target.
    const who = `${format.noun} ${build.key}`;
    const skip = (line: number, reason: string) => result.skips.push({ transform: format.key, line, reason: `${who}: ${reason}` });
    const block = await format.locate(build);
    if (!('dockerfile' in block)) {
      skip(block.line, block.reason);
      continue;
    }
    const dockerfileDoc = new Document(block.dockerfile);
    try {
      validateDockerfile(source.file, dockerfileDoc);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      skip(block.line, `the inline Dockerfile is not rewritten: ${error.message} (a line of the inline Dockerfile; it starts on line ${block.fileLine(1)})`);
      continue;
    }
    const contextDir = build.context!;
    const { result: one } = optimizeParsed({ source, text: block.dockerfile, bom: '', doc: dockerfileDoc, inline: true }, contextDir, { ...options, builtWith: buildersOf(contextDir) });
    const mapChange = (c: AppliedChange): AppliedChange => ({ ...c, line: block.fileLine(c.line), edited: c.edited.map((s) => ({ start: block.fileLine(s.start), end: block.fileLine(s.end) })) });
    const mapSkip = (s: ReportedSkip): ReportedSkip => ({ ...s, line: block.fileLine(s.line) });
    result.skips.push(...one.skips.map(mapSkip));
    result.heldBack.push(...one.heldBack.map(mapChange));
    result.refused.push(...one.refused);
    Object.assign(result.summaries, one.summaries);
    Object.assign(result.docs, one.docs);
    if (one.after === block.dockerfile) continue;
    const rendered = await block.render(one.after);
    if ('refusal' in rendered) {
      for (const c of one.changes) result.skips.push({ transform: c.transform, line: block.fileLine(c.line), reason: `${who}: ${rendered.refusal}; not rewritten: ${c.message}` });
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

/** Compose's `services.<name>.build.dockerfile_inline`: a YAML scalar, read with the yaml library's source tokens. */
async function composeFormat(text: string): Promise<InlineFormat> {
  const yaml: Yaml = await import('yaml');
  const doc = yaml.parseDocument(text, { keepSourceTokens: true, merge: true });
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  return {
    key: 'dockerfile_inline',
    noun: 'service',
    locate(build) {
      const located = locateScalar(yaml, doc, build.key);
      if (typeof located === 'string') return { line: lineOf(serviceOffset(yaml, doc, build.key)), reason: located };
      const line = lineOf(located.range![0]);
      if (build.refusal !== undefined || build.context === undefined) return { line, reason: build.refusal ?? 'no build context' };
      const block = readBlock(yaml, text, located, build.key, lineOf);
      if (typeof block === 'string') return { line, reason: block };
      if ('interpolation' in block) {
        return { line: block.line, reason: `the inline Dockerfile uses \`${block.interpolation}\`, which compose replaces from the environment before the build: dockmod cannot know the Dockerfile it builds (write \`$$\` for a \`$\` the Dockerfile itself reads)` };
      }
      return block;
    },
  };
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
      // As YAML, not as values: an alias stays an alias, where its values would be copied once per use.
      return copy.toString();
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
    const source = sourceLines(text.slice(start, end));
    const old = lines(value);
    // Each content line is the value's line after the block's indentation; blank lines may hold less.
    const firstText = old.findIndex((l) => l !== '');
    const indent = firstText < 0 ? 0 : source[firstText]!.text.length - old[firstText]!.length;
    const eol = source[0]?.eol === '\r\n' ? '\r\n' : '\n';
    const firstLine = lineOf(start);
    const read = readInterpolation(value);
    if ('interpolation' in read) return { interpolation: read.interpolation, line: firstLine + value.slice(0, read.index).split('\n').length - 1 };
    const dockerfileLines = lines(read.dockerfile);
    return {
      start,
      end,
      dockerfile: read.dockerfile,
      line: lineOf(node.range![0]),
      fileLine: (line) => firstLine + line - 1,
      render(dockerfile) {
        const written = rewriteLines(dockerfileLines, lines(dockerfile), source, { write: (l) => (l === '' ? '' : ' '.repeat(indent) + escapeInterpolation(l)), eol });
        // Lines the value leaves out (blank lines that clipping drops) stay after the content.
        const newText = written + source.slice(old.length).map((l) => l.text + l.eol).join('');
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
    line,
    fileLine: () => line,
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
