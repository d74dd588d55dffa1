// A parsed Dockerfile and the questions every transform asks of it.
import path from 'node:path';
import type { Dockerfile, Instruction, Flag, From, Heredoc } from 'dockerfile-ast';
import { ArgumentScans } from './parse-ast.js';
import { POSIX_SHELLS, ShellParses, ShellScript, type Segment } from './shell.js';
import { codeSpan } from './escape.js';

type Position = { line: number; character: number };
type Range = { start: Position; end: Position };

export type { Instruction, Flag };

export interface Stage {
  index: number;
  /** `AS name`, lower-cased, or null. */
  name: string | null;
  from: From;
  /** The stage's instructions after its FROM. */
  instructions: Instruction[];
}

/** A COPY or ADD read into plain parts. */
export interface CopyArgs {
  sources: string[];
  dest: string;
  /** Written in JSON (exec) form: `COPY ["a", "b"]`. */
  json: boolean;
  flags: Flag[];
  /** Text of the flags as written (`--chown=1:1 --link`), to repeat them on a new COPY. */
  flagsText: string;
}

/** A comment or blank line inside an instruction, which BuildKit skips: blank as Go's TrimSpace sees it (U+FEFF is no space). */
export const SKIPPED_LINE = /^[^\S\uFEFF]*(#|$)/;

const HEREDOC_OPEN = String.raw`<<-?(["']?)[A-Za-z_][\w.-]*\1`;
/** A shell reading its script from standard input: options, none of them `-c`. */
const SHELL_READING_STDIN = String.raw`(?:/bin/|/usr/bin/)?(?:${POSIX_SHELLS.join('|')})(?:\s+-(?![a-zA-Z]*c)[a-zA-Z]+)*`;
const BODY_IS_SCRIPT = new RegExp(`^${HEREDOC_OPEN}\\s*$`);
const BODY_FED_TO_SHELL = [
  new RegExp(`^${HEREDOC_OPEN}\\s+${SHELL_READING_STDIN}\\s*$`),
  new RegExp(`^${SHELL_READING_STDIN}\\s+${HEREDOC_OPEN}\\s*$`),
];

/** A RUN's script text as the shell reads it, and where its runs of text stand in the Dockerfile. */
interface ScriptSource {
  text: string;
  segments: Segment[];
}

/** The longest excerpt of an instruction that messages quote. */
const EXCERPT_LENGTH = 60;

/** Text as messages quote it: white space folded, cut short past EXCERPT_LENGTH characters. */
export function shortened(text: string): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  return folded.length > EXCERPT_LENGTH ? `${folded.slice(0, EXCERPT_LENGTH - 3).trimEnd()}...` : folded;
}

/** Stands for the WORKDIR that the base image sets, which the Dockerfile cannot see. */
export const IMAGE_WORKDIR = '/<image WORKDIR>';

export class Document {
  readonly text: string;
  readonly ast: Dockerfile;
  readonly lineStarts: number[];
  readonly escapeChar: string;
  /** A line that ends in the escape character (then blanks), which continues the instruction on the next line. */
  readonly continuation: RegExp;
  private stagesCache: Stage[] | undefined;
  private globalArgsCache: Map<string, string | null> | undefined;
  private commandsTextCache: string | undefined;
  private keywordsCache: Set<string> | undefined;
  /** Parsed once per document: every transform asks for the same RUNs. */
  private readonly scripts = new Map<Instruction, ShellScript | null>();
  /** The ShellParses generation the scripts were read in: once their trees are freed, they are read again. */
  private scriptsGeneration = 0;
  /** Answers per instruction, computed once: dockerfile-ast re-reads arguments on every call. */
  private readonly memos = new Map<string, Map<Instruction, unknown>>();
  /** Lookups on the instructions go through this, as the parse did, to scan their arguments only once. */
  private readonly scans = new ArgumentScans();

  private memo<T>(kind: string, ins: Instruction, compute: () => T): T {
    let table = this.memos.get(kind);
    if (!table) this.memos.set(kind, (table = new Map()));
    if (!table.has(ins)) table.set(ins, this.scans.run(compute));
    return table.get(ins) as T;
  }

  /**
   * `shellParses`: shared with the documents this one is edited from or into (successor), who free them.
   * `originalLine`: the 1-based line of the file as read that a 0-based line of this text comes from (the engine's
   * edits move lines), for messages that name a line.
   */
  constructor(
    text: string,
    private readonly shellParses = new ShellParses(),
    readonly originalLine: (line: number) => number = (line) => line + 1,
  ) {
    this.text = text;
    this.ast = this.scans.parse(text);
    this.lineStarts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    this.escapeChar = this.ast.getEscapeCharacter();
    this.continuation = new RegExp(`${escapeRegExp(this.escapeChar)}[ \\t]*\\r?$`);
  }

  offsetAt(pos: Position): number {
    return (this.lineStarts[pos.line] ?? this.text.length) + pos.character;
  }

  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  slice(range: Range): string {
    return this.text.slice(this.offsetAt(range.start), this.offsetAt(range.end));
  }

  /** The line ending used by a line (`\r\n` or `\n`); the file's first one for a last line with none. */
  eolAt(line: number): string {
    const end = this.lineStarts[line + 1];
    if (end !== undefined) return this.text[end - 2] === '\r' ? '\r\n' : '\n';
    return /\r\n/.test(this.text) && !/[^\r]\n/.test(this.text) ? '\r\n' : '\n';
  }

  /** Offset of the start of the line holding `offset`. */
  lineStartOf(offset: number): number {
    return this.lineStarts[this.lineAt(offset)]!;
  }

  /** Offset just past the end of the instruction's last line, including its line ending (if any). */
  endOfLineAfter(ins: Instruction): number {
    const next = this.lineStarts[ins.getRange().end.line + 1];
    return next ?? this.text.length;
  }

  /**
   * The instruction's last line ends in the escape character with nothing after it to continue (end of file,
   * perhaps after comment lines, which a continuation skips): a line put right after it would join the instruction.
   */
  endsInContinuation(ins: Instruction): boolean {
    const lines = this.text.slice(this.offsetAt(ins.getRange().start), this.endOfLineAfter(ins)).split('\n');
    while (lines.length > 1 && SKIPPED_LINE.test(lines[lines.length - 1]!)) lines.pop();
    return this.continuation.test(lines[lines.length - 1]!);
  }

  /** Leading white space of the line holding `offset`. */
  indentAt(offset: number): string {
    const start = this.lineStartOf(offset);
    return /^[ \t]*/.exec(this.text.slice(start))![0];
  }

  /**
   * An instruction as users see it in messages: its words up to the end of its first line that is not continued
   * (the continuation lines joined, comment lines left out, white space folded), shortened: `RUN \` then
   * `npm ci` reads `RUN npm ci`.
   */
  excerpt(ins: Instruction): string {
    const lines = this.slice(ins.getRange()).split(/\r?\n/);
    let text = '';
    for (let i = 0; i < lines.length && text.length <= EXCERPT_LENGTH; i++) {
      const line = lines[i]!;
      if (i > 0 && SKIPPED_LINE.test(line)) continue;
      const continued = this.continuation.test(line) && i < lines.length - 1;
      text = `${text} ${continued ? line.replace(this.continuation, '') : line}`.replace(/\s+/g, ' ').trim();
      if (!continued) break;
    }
    return shortened(text);
  }

  /** The excerpt as a Markdown code span, with the instruction's line in the file as read: `RUN npm ci` (line 4). */
  quote(ins: Instruction): string {
    return `${codeSpan(this.excerpt(ins))} (line ${this.originalLine(ins.getRange().start.line)})`;
  }

  instructions(): Instruction[] {
    return this.ast.getInstructions();
  }

  /** The keywords of its instructions (`RUN`, `COPY`), for the engine to ask of every transform's trigger. */
  keywords(): ReadonlySet<string> {
    this.keywordsCache ??= new Set(this.instructions().map((ins) => ins.getKeyword()));
    return this.keywordsCache;
  }

  stages(): Stage[] {
    if (this.stagesCache) return this.stagesCache;
    const stages: Stage[] = [];
    for (const ins of this.ast.getInstructions()) {
      if (ins.getKeyword() === 'FROM') {
        const from = ins as From;
        stages.push({ index: stages.length, name: this.scans.run(() => from.getBuildStage())?.toLowerCase() ?? null, from, instructions: [] });
      } else {
        stages[stages.length - 1]?.instructions.push(ins);
      }
    }
    this.stagesCache = stages;
    return stages;
  }

  /** The stage a FROM builds on when it names an earlier stage, else null. */
  parentStage(stage: Stage): Stage | null {
    return this.memo('parent', stage.from, () => {
      const image = stage.from.getImage()?.toLowerCase();
      if (!image) return null;
      return this.stages().find((s) => s.index < stage.index && (s.name === image || String(s.index) === image)) ?? null;
    });
  }

  /** Flags of an instruction (`--mount=...`), empty for instructions without flags. */
  flags(ins: Instruction): Flag[] {
    return this.memo('flags', ins, () => {
      const withFlags = ins as Instruction & { getFlags?: () => Flag[] };
      return withFlags.getFlags ? withFlags.getFlags() : [];
    });
  }

  /** The heredocs of a RUN, COPY or ADD. dockerfile-ast's lookup is slow, and a heredoc cannot start without a `<`. */
  heredocs(ins: Instruction): Heredoc[] {
    return this.memo('heredocs', ins, () => {
      const withHeredocs = ins as Instruction & { getHeredocs?: () => Heredoc[] };
      return this.slice(ins.getRange()).includes('<') ? (withHeredocs.getHeredocs?.() ?? []) : [];
    });
  }

  hasHeredoc(ins: Instruction): boolean {
    return this.heredocs(ins).length > 0;
  }

  /** dockerfile-ast works the arguments' range out anew on every call. */
  private argumentsRange(ins: Instruction): Range | null {
    return this.memo('argumentsRange', ins, () => {
      const range = ins.getArgumentsRange();
      if (!range) return null;
      // BuildKit skips a comment line inside a continuation whatever it holds; dockerfile-ast may start the
      // arguments inside one that has a backslash (`# upgrad\e pip`), so they start at the next line read.
      const { end } = ins.getRange();
      let line = range.start.line;
      while (line < end.line && this.skippedInside(ins, line)) line++;
      if (line === range.start.line) return range;
      const text = this.lineText(line);
      return { start: { line, character: text.length - text.trimStart().length }, end };
    });
  }

  /** The instruction's arguments as written (after its flags), through its last line. */
  argumentsText(ins: Instruction): string {
    return this.memo('arguments', ins, () => {
      const range = this.argumentsRange(ins);
      return range ? this.slice(range) : '';
    });
  }

  /** The whole instruction as written, keyword to its last line. */
  instructionText(ins: Instruction): string {
    return this.slice(ins.getRange());
  }

  /** Exec-form argv of RUN/CMD/ENTRYPOINT/COPY (`["npm", "ci"]`), or null for shell form. */
  execForm(ins: Instruction): string[] | null {
    const argv = this.memo('exec', ins, () => this.computeExecForm(ins));
    return argv && [...argv];
  }

  private computeExecForm(ins: Instruction): string[] | null {
    const range = this.argumentsRange(ins);
    if (!range || !this.argumentsText(ins).trimStart().startsWith('[')) return null;
    // Docker joins the continuation lines before it reads the JSON (`COPY ["a", \⏎ "b", "/dst/"]`).
    const args = this.joinedScript(this.offsetAt(range.start), this.offsetAt(ins.getRange().end)).text.trim();
    try {
      const value: unknown = JSON.parse(args);
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
    } catch {
      return null;
    }
  }

  /** The strings of an exec-form instruction with their document offsets, quotes included. */
  execFormStrings(ins: Instruction): { value: string; start: number; end: number }[] {
    const json = ins as Instruction & { getJSONStrings?: () => { getJSONValue(): string; getRange(): Range }[] };
    return (json.getJSONStrings?.() ?? []).map((s) => ({
      value: s.getJSONValue(),
      start: this.offsetAt(s.getRange().start),
      end: this.offsetAt(s.getRange().end),
    }));
  }

  /**
   * The shell script a RUN executes, with a map back to document offsets; null for exec form.
   * Shell form is joined as Docker joins it: line continuations removed, comment and blank lines inside a
   * continuation dropped. A RUN that is only a heredoc (`RUN <<EOF`) gives the heredoc's body.
   */
  runScript(ins: Instruction): ShellScript | null {
    if (this.scriptsGeneration !== this.shellParses.generation) {
      this.scripts.clear();
      this.scriptsGeneration = this.shellParses.generation;
    }
    if (!this.scripts.has(ins)) this.scripts.set(ins, this.parseRunScript(ins));
    return this.scripts.get(ins)!;
  }

  /**
   * The document of `text`, an edit of this one. It shares this one's shell parses, so a RUN whose script the
   * edit left as it was is not parsed again; freeScripts on either frees them for both.
   */
  successor(text: string, originalLine?: (line: number) => number): Document {
    return new Document(text, this.shellParses, originalLine);
  }

  /** Frees the shell parse trees (ShellParses.free) of this document and those it shares them with; a later runScript parses again. */
  freeScripts(): void {
    this.shellParses.free();
  }

  private parseRunScript(ins: Instruction): ShellScript | null {
    const source = this.runScriptSource(ins);
    return source && new ShellScript(source.text, source.segments, this.shellParses);
  }

  /** The text runScript parses, with its map to document offsets, without parsing it. */
  private runScriptSource(ins: Instruction): ScriptSource | null {
    return this.memo('scriptSource', ins, () => {
      if (ins.getKeyword() !== 'RUN' || this.execForm(ins)) return null;
      const range = this.argumentsRange(ins);
      if (!range) return null;
      const start = this.offsetAt(range.start);
      const end = this.offsetAt(ins.getRange().end);
      return this.hasHeredoc(ins) ? this.heredocScript(ins, start, end) : this.joinedScript(start, end);
    });
  }

  /**
   * The file's text and its RUNs' scripts as the shell reads them (continuation lines joined, comment lines
   * dropped), quotes and backslashes left out: every command name a transform can read from a static word is in
   * it, whole. For a cheap test of whether a command can be there before any script is parsed.
   */
  commandsText(): string {
    this.commandsTextCache ??= [this.text, ...this.instructions().map((ins) => this.runScriptSource(ins)?.text ?? '')]
      .join('\n')
      .replace(/["'\\]/g, '');
    return this.commandsTextCache;
  }

  /** A shell-form RUN's script from `start` to `end`, joined as Docker joins it. */
  private joinedScript(start: number, end: number): ScriptSource {
    let text = '';
    const segments: Segment[] = [];
    let lineStart = start;
    let first = true;
    while (lineStart <= end) {
      const newline = this.text.indexOf('\n', lineStart);
      const lineEnd = newline === -1 || newline > end ? end : newline;
      const line = this.text.slice(lineStart, lineEnd);
      const skipped = !first && SKIPPED_LINE.test(line);
      first = false;
      if (!skipped) {
        const cont = this.continuation.exec(line);
        const keep = cont ? line.slice(0, cont.index) : line.replace(/\r$/, '');
        segments.push({ shellStart: text.length, docStart: lineStart, length: keep.length });
        text += keep;
        if (!cont) break;
      }
      if (lineEnd >= end) break;
      lineStart = lineEnd + 1;
    }
    return { text, segments };
  }

  /**
   * For a RUN whose script is its heredoc's body (`RUN <<EOF`, `RUN sh -e <<EOF`): the text that opens the heredoc
   * after the flags, and its delimiter line, so that an edit can close the heredoc and open another like it; null
   * for any other RUN.
   */
  heredocBody(ins: Instruction): { opener: string; delimiter: string } | null {
    const range = ins.getKeyword() === 'RUN' && this.hasHeredoc(ins) ? this.argumentsRange(ins) : null;
    if (!range) return null;
    const opener = this.bodyScriptOpener(ins, this.offsetAt(range.start), this.offsetAt(ins.getRange().end));
    const delimiter = this.heredocs(ins)[0]!.getDelimiterRange();
    return opener === null || !delimiter ? null : { opener, delimiter: this.slice(delimiter) };
  }

  /** The first line of a heredoc RUN's arguments when the heredoc's body is the script, else null. */
  private bodyScriptOpener(ins: Instruction, start: number, end: number): string | null {
    const firstLineEnd = this.text.indexOf('\n', start);
    const head = this.text.slice(start, firstLineEnd === -1 ? end : firstLineEnd).replace(/\r$/, '');
    // `RUN <<EOF` alone, or the heredoc fed to a shell as its script (`RUN <<EOF bash`, `RUN sh -e <<EOF`).
    return this.heredocs(ins).length === 1 && [BODY_IS_SCRIPT, ...BODY_FED_TO_SHELL].some((form) => form.test(head)) ? head : null;
  }

  private heredocScript(ins: Instruction, start: number, end: number): ScriptSource {
    const heredocs = this.heredocs(ins);
    if (this.bodyScriptOpener(ins, start, end) !== null) {
      const content = heredocs[0]!.getContentRange();
      if (!content) return { text: '', segments: [{ shellStart: 0, docStart: start, length: 0 }] };
      const from = this.offsetAt(content.start);
      const to = this.offsetAt(content.end);
      return { text: this.text.slice(from, to), segments: [{ shellStart: 0, docStart: from, length: to - from }] };
    }
    // Otherwise (`RUN python3 <<EOF`, `RUN cat <<EOF > f`) the whole text is a shell script with heredocs.
    return { text: this.text.slice(start, end), segments: [{ shellStart: 0, docStart: start, length: end - start }] };
  }

  /** Sources, destination and flags of a COPY/ADD; null for heredoc copies and malformed ones. */
  copyArgs(ins: Instruction): CopyArgs | null {
    const kw = ins.getKeyword();
    if ((kw !== 'COPY' && kw !== 'ADD') || this.hasHeredoc(ins)) return null;
    const flags = this.flags(ins);
    const flagsText = flags.map((f) => this.slice(f.getRange())).join(' ');
    const exec = this.execForm(ins);
    const all = exec ?? this.scans.run(() => ins.getArguments()).map((a) => unquote(a.getValue()));
    if (all.length < 2) return null;
    return { sources: all.slice(0, -1), dest: all[all.length - 1]!, json: exec !== null, flags, flagsText };
  }

  /** The value of a flag (`--from`, `--mount`), or undefined. */
  flag(ins: Instruction, name: string): string | undefined {
    return this.flags(ins).find((f) => f.getName().toLowerCase() === name)?.getValue() ?? undefined;
  }

  /** Targets of the `--mount=type=cache,...` flags of a RUN. */
  cacheMountTargets(ins: Instruction): string[] {
    const targets: string[] = [];
    for (const f of this.flags(ins)) {
      if (f.getName().toLowerCase() !== 'mount') continue;
      const options = new Map((f.getValue() ?? '').split(',').map((kv) => [kv.split('=')[0]!.trim(), kv.slice(kv.indexOf('=') + 1)] as const));
      const target = options.get('target') ?? options.get('dst') ?? options.get('destination');
      if (options.get('type') === 'cache' && target) targets.push(target);
    }
    return targets;
  }

  /** The RUN's flags as written, normalised for comparison (`--mount=... --network=none`). */
  flagsKey(ins: Instruction): string {
    return this.flags(ins).map((f) => this.slice(f.getRange())).sort().join(' ');
  }

  /**
   * Values that ENV and ARG give variables before `ins` in its stage (and the stages it builds on).
   * A variable whose value is not static maps to null.
   */
  variablesAt(ins: Instruction): Map<string, string | null> {
    return this.memo('variables', ins, () => this.computeVariablesAt(ins, true));
  }

  /**
   * The variables `ins` runs with for certain, whatever the build's arguments: as variablesAt, but an ARG's value,
   * which `--build-arg` may change, and every value made from one is null.
   */
  fixedVariablesAt(ins: Instruction): Map<string, string | null> {
    return this.memo('fixedVariables', ins, () => this.computeVariablesAt(ins, false));
  }

  private computeVariablesAt(ins: Instruction, argDefaults: boolean): Map<string, string | null> {
    const globals = this.globalArgs();
    const vars = new Map<string, string | null>();
    for (const i of this.stageChain(ins)) {
      if (i === ins) break;
      const kw = i.getKeyword();
      if (kw !== 'ENV' && kw !== 'ARG') continue;
      for (const p of variableProperties(i)) {
        const raw = p.getValue();
        if (kw === 'ARG' && !argDefaults) vars.set(p.getName(), null);
        // An ARG without a default takes the default of the ARG of that name before the first FROM, if any (as
        // Docker documents), else its value from --build-arg: unknown.
        else vars.set(p.getName(), raw === null ? (kw === 'ARG' ? (globals.get(p.getName()) ?? null) : '') : expand(unquote(raw), vars));
      }
    }
    return vars;
  }

  /** The ARGs declared before the first FROM, with their defaults (null: none). */
  private globalArgs(): Map<string, string | null> {
    if (this.globalArgsCache) return this.globalArgsCache;
    const globals = new Map<string, string | null>();
    for (const i of this.ast.getInstructions()) {
      if (i.getKeyword() === 'FROM') break;
      if (i.getKeyword() !== 'ARG') continue;
      for (const p of variableProperties(i)) {
        const raw = p.getValue();
        globals.set(p.getName(), raw === null ? null : expand(unquote(raw), globals));
      }
    }
    return (this.globalArgsCache = globals);
  }

  /**
   * Where dockerfile-ast ends an instruction at `\ \` (an escaped space, then the escape) and BuildKit reads a
   * continuation: the line, said as a reason; null when no line does. Of `instructions` (default: all).
   */
  escapedSpaceBeforeContinuation(instructions = this.instructions()): string | null {
    const escapePattern = this.escapeChar === '`' ? '`' : '\\\\';
    const escapedSpaceThenContinuation = new RegExp(`${escapePattern}[ \\t]+${escapePattern}[ \\t]*\\r?$`);
    for (const ins of instructions) {
      const last = ins.getRange().end.line;
      const lastLine = this.lineText(last);
      const followed = this.lineStarts[last + 1] !== undefined && this.lineStarts[last + 1]! < this.text.length;
      // At the end of the file the two readings agree, but not once a transform moves the instruction.
      if (this.continuation.test(lastLine) && (followed || escapedSpaceThenContinuation.test(lastLine))) {
        return `line ${last + 1} ends in an escaped space before the line continuation, which Docker and dockmod's parser read differently`;
      }
    }
    return null;
  }

  /**
   * The first instruction (no heredoc) that BuildKit ends on another line than dockerfile-ast does, or whose
   * arguments dockerfile-ast starts inside a line BuildKit skips, said as a reason; null when they agree on every
   * one. BuildKit continues a line that ends in the escape character and skips comment and blank lines inside an
   * instruction (blank as Go's TrimSpace sees it), whatever they hold. A RUN's script is read from the text
   * (argumentsRange), so only its end counts. Of `instructions` (default: all).
   */
  instructionEndsMisread(instructions = this.instructions()): string | null {
    for (const ins of instructions) {
      if (this.hasHeredoc(ins)) continue;
      const { start, end } = ins.getRange();
      const args = ins.getKeyword() === 'RUN' ? null : ins.getArgumentsRange();
      if (args && this.skippedInside(ins, args.start.line)) {
        return `the arguments of the instruction on line ${start.line + 1} start inside the comment on line ${args.start.line + 1} for dockmod's parser, a line Docker skips`;
      }
      const docker = this.buildkitEndLine(start.line);
      // Blank or comment lines that dockerfile-ast counts into an instruction's range are no misreading.
      if (docker > end.line || Array.from({ length: end.line - docker }, (_, k) => this.lineText(docker + 1 + k)).some((text) => !SKIPPED_LINE.test(text))) {
        return `the instruction on line ${start.line + 1} ends on line ${docker + 1} for Docker but on line ${end.line + 1} for dockmod's parser, which read it differently`;
      }
    }
    return null;
  }

  /** Line `line` is one BuildKit skips inside the instruction: a comment or blank line after its first. */
  private skippedInside(ins: Instruction, line: number): boolean {
    return line > ins.getRange().start.line && SKIPPED_LINE.test(this.lineText(line));
  }

  private lineText(n: number): string {
    return this.text.slice(this.lineStarts[n], this.lineStarts[n + 1] ?? this.text.length).replace(/\r?\n$/, '');
  }

  private buildkitEndLine(line: number): number {
    let end = line;
    for (let n = line; n < this.lineStarts.length; n++) {
      const text = this.lineText(n);
      if (n > line && SKIPPED_LINE.test(text)) continue;
      end = n;
      if (!this.continuation.test(text)) break;
    }
    return end;
  }

  /** The WORKDIR in effect at `ins`, absolute; IMAGE_WORKDIR stands for the base image's. Null if unresolvable. */
  workdirAt(ins: Instruction): string | null {
    return this.memo('workdir', ins, () => this.computeWorkdirAt(ins));
  }

  private computeWorkdirAt(ins: Instruction): string | null {
    let dir: string | null = IMAGE_WORKDIR;
    for (const i of this.stageChain(ins)) {
      if (i === ins) break;
      if (i.getKeyword() !== 'WORKDIR' || dir === null) continue;
      const raw = expand(unquote(this.argumentsText(i).trim()), this.variablesAt(i));
      dir = raw === null ? null : path.posix.resolve(dir, raw);
    }
    return dir;
  }

  /** Instructions that shape `ins`'s environment: those of the stages it builds on, then its own stage's. */
  private stageChain(ins: Instruction): Instruction[] {
    const stage = this.stageOf(ins);
    if (!stage) return [];
    const chain: Instruction[] = [];
    for (let s: Stage | null = stage, depth = 0; s && depth < 100; s = this.parentStage(s), depth++) chain.unshift(...s.instructions);
    return chain;
  }

  stageOf(ins: Instruction): Stage | undefined {
    const line = ins.getRange().start.line;
    return this.stages().findLast((s) => s.from.getRange().start.line <= line);
  }
}

const variableProperties = (ins: Instruction) => (ins as Instruction & { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties();

/** Expand `$X` and `${X}` from known variables; null when any is unknown or uses a modifier. */
export function expand(value: string, vars: Map<string, string | null>): string | null {
  let unknown = false;
  const out = value.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced, modifier, bare) => {
    const name = (braced ?? bare) as string;
    const v = vars.get(name);
    if (modifier || v === undefined || v === null) {
      unknown = true;
      return '';
    }
    return v;
  });
  return unknown ? null : out;
}

export function unquote(value: string): string {
  return /^(["']).*\1$/s.test(value) && value.length >= 2 ? value.slice(1, -1) : value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
