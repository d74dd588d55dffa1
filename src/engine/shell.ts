// Shell text of RUN instructions, parsed with tree-sitter-bash, and the shared vocabulary every transform uses
// to find commands and their words. Offsets here are offsets into ShellScript.text; `toDoc` maps them back.
import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { brotliDecompressSync } from 'node:zlib';

// Without this, V8's optimizing tier compiles the grammar in the background and the process stalls ~0.8 s at exit.
v8.setFlagsFromString('--liftoff-only');
const { Parser, Language, Query } = await import('web-tree-sitter');
type Node = import('web-tree-sitter').Node;

await Parser.init();
// tree-sitter-bash's own prebuilt .wasm, shipped brotli-compressed in dockmod's grammar/ (scripts/vendor-grammar.mjs;
// a tenth of the size, unpacked in a few ms) and found through dockmod's package name, from src/ and dist/src/ alike.
const grammarFile = createRequire(import.meta.url).resolve('dockmod/grammar/tree-sitter-bash.wasm.br');
const bash = await Language.load(brotliDecompressSync(readFileSync(grammarFile)));
const parser = new Parser();
parser.setLanguage(bash);
// The command nodes of a tree in one call into the parser's WebAssembly, in source order, outer before inner: a
// walk of the tree from JavaScript crosses into it for every node's children and type.
const commandNodes = new Query(bash, '(command) @command');

export type { Node as ShellNode };

/**
 * Shells that run the syntax dockmod reads (as bash) and writes (`a && b`): a script given to one as a `-c`
 * string or a heredoc is read as commands, and a SHELL instruction naming one keeps RUNs editable.
 */
export const POSIX_SHELLS: readonly string[] = ['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh'];

/** A command's name without its folder (`/usr/bin/apt-get` is `apt-get`); '' for none or a dynamic one. */
export function basename(name: string | null | undefined): string {
  return name ? name.slice(name.lastIndexOf('/') + 1) : '';
}

/** One run of shell text copied from the Dockerfile at `docStart`. */
interface Segment {
  shellStart: number;
  docStart: number;
  length: number;
}

/** A word of a command: its value when it is static (no expansion), and where it stands. */
export interface Word {
  /** The word with quotes and escapes removed, or null when it depends on expansions (`$X`, `$(...)`, globs kept). */
  value: string | null;
  text: string;
  start: number;
  end: number;
}

/** A simple command, after wrappers like `sudo` and `env` are looked through. */
export interface Command {
  name: string;
  /** The command name's word as written (`./mvnw`), for commands generated from this one. */
  nameWord: Word;
  args: Word[];
  /** The whole command node (including wrappers and assignments). */
  start: number;
  end: number;
  /** `VAR=value` assignments before the command (and those given to `env`). */
  assignments: Map<string, string | null>;
  node: Node;
}

/**
 * The parse of one shell text and what is read from it. Several ShellScripts share one when their texts are
 * equal (ShellParses), as a RUN's does across the versions of a document that edits elsewhere leave it alone in.
 */
class ParsedShell {
  readonly root: Node;
  readonly hasError: boolean;
  private commandsCache: Command[] | undefined;
  private pieces: ParsedShell[] | undefined;
  private pieceCommands: Command[] | undefined;

  constructor(readonly text: string, readonly tree: import('web-tree-sitter').Tree) {
    this.root = tree.rootNode;
    this.hasError = this.root.hasError;
  }

  static parse(text: string): ParsedShell {
    const tree = parser.parse(text);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return new ParsedShell(text, tree);
  }

  commands(): Command[] {
    this.commandsCache ??= findCommands(this.root);
    return this.commandsCache;
  }

  /** ShellScript.commandsOfPieces, the pieces parsed once: every transform asks. */
  commandsOfPieces(): Command[] {
    if (!this.pieceCommands) {
      this.pieces = this.text.split(/&&|\|\||[;|\n]/).map(ParsedShell.parse);
      this.pieceCommands = this.pieces.flatMap((piece) => piece.commands());
    }
    return this.pieceCommands;
  }

  /** Deletes the tree and those of the pieces. */
  delete(): void {
    this.tree.delete();
    for (const piece of this.pieces ?? []) piece.delete();
  }
}

/**
 * Shell parses kept by text, for the documents of one optimize run (Document.successor). Owns the trees: they live
 * in tree-sitter's WebAssembly heap, which only grows (over 10,000 files it reached 300 MB), so free() deletes
 * them as soon as the run is done rather than when the garbage collector gets to them.
 */
export class ShellParses {
  private readonly byText = new Map<string, ParsedShell>();
  /** Bumped by free(): scripts read from the trees before then are unusable. */
  generation = 0;

  get(text: string): ParsedShell {
    let parsed = this.byText.get(text);
    if (!parsed) this.byText.set(text, (parsed = ParsedShell.parse(text)));
    return parsed;
  }

  /** Deletes every tree; scripts read from them are unusable after. */
  free(): void {
    for (const parsed of this.byText.values()) parsed.delete();
    this.byText.clear();
    this.generation++;
  }
}

export class ShellScript {
  private readonly parsed: ParsedShell;

  /** `parses`: where the tree comes from and who frees it; without, the garbage collector frees it. */
  constructor(text: string, private readonly segments: Segment[], parses?: ShellParses) {
    this.parsed = parses ? parses.get(text) : ParsedShell.parse(text);
  }

  get text(): string {
    return this.parsed.text;
  }

  get root(): Node {
    return this.parsed.root;
  }

  get hasError(): boolean {
    return this.parsed.hasError;
  }

  /** Document offset of a shell offset. A boundary between two runs maps to the end of the earlier one. */
  toDoc(offset: number): number {
    for (const s of this.segments) {
      if (offset >= s.shellStart && offset <= s.shellStart + s.length) return s.docStart + offset - s.shellStart;
    }
    throw new RangeError(`shell offset ${offset} is outside the script`);
  }

  /** Every simple command, in source order, including those inside `$(...)`, `if`, loops and subshells. */
  commands(): Command[] {
    return this.parsed.commands();
  }

  /**
   * The commands a script that does not parse would run, as far as they can be told: its pieces between `&&`,
   * `||`, `;`, `|` and line ends, each parsed on its own (a piece that fails takes only itself out, not the whole
   * script).
   */
  commandsOfPieces(): Command[] {
    return this.parsed.commandsOfPieces();
  }

  /** Variables the script exports (`export X=1`, `declare -x X`) anywhere in it. */
  exportedVariables(): Set<string> {
    const names = new Set<string>();
    for (const node of namedDescendants(this.root)) {
      if (node.type !== 'declaration_command') continue;
      for (const child of node.namedChildren) {
        if (child?.type === 'variable_assignment') names.add(child.childForFieldName('name')?.text ?? '');
        else if (child?.type === 'variable_name') names.add(child.text);
      }
    }
    return names;
  }

  /** The names of the functions the script defines (`f() { … }`, `function f { … }`). */
  functionNames(): Set<string> {
    return new Set([...namedDescendants(this.root)].filter((node) => node.type === 'function_definition').map((node) => node.childForFieldName('name')?.text ?? ''));
  }

  /** Comments in the script (`# refresh` after a command), as shell ranges. */
  comments(): Node[] {
    return [...namedDescendants(this.root)].filter((node) => node.type === 'comment');
  }

  /**
   * The top-level steps of the script when it is a plain `a && b && c` chain (one statement), else null.
   * Each step is a statement node; splitting the chain between two steps keeps the script's meaning.
   */
  andChain(): Node[] | null {
    const statements = this.root.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
    if (statements.length !== 1) return null;
    const steps = andSteps(statements[0]!);
    // A `||` list among them: not a plain chain.
    if (steps.some(isOrList)) return null;
    // tree-sitter-bash leaves a lone escaped space (`--force \ && b`) out of the tree, so a chain with other text
    // between its steps than `&&`, blanks and comments is not one that edits can take apart.
    // A `;` after the one statement (`npm ci;`) ends it and changes nothing.
    const bounds = [0, ...steps.flatMap((step) => [step.startIndex, step.endIndex]), this.text.length];
    for (let k = 0; k < bounds.length; k += 2) {
      const gap = this.text.slice(bounds[k], bounds[k + 1]).replace(/#[^\n]*|&&|\s/g, '');
      if (gap !== '' && !(k === bounds.length - 2 && gap === ';')) return null;
    }
    return steps;
  }

  /**
   * The top-level steps of a script that turns on errexit first (`set -eux; a; b`), or runs under a SHELL that does
   * (`shellErrexit`), else null. Under `set -e` a
   * statement that fails ends the script, so `;` and new lines between statements keep a failure as `&&` does.
   * The last statement is taken apart as a chain; one before it is a single step, since a failure inside an
   * `a && b` that is not the script's last does not end it. A later `set` (maybe `set +e`) or `&`: null.
   */
  errexitSteps(shellErrexit = false): Node[] | null {
    const statements = this.root.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
    if (statements.length < 2 || !(shellErrexit || turnsOnErrexit(statements[0]!))) return null;
    if (statements.slice(1).some((s) => [s, ...namedDescendants(s)].some((n) => n.type === 'command' && n.childForFieldName('name')?.text === 'set'))) return null;
    const last = statements[statements.length - 1]!;
    const lastSteps = andSteps(last);
    const steps = [...statements.slice(0, -1), ...(lastSteps.some(isOrList) ? [last] : lastSteps)];
    const bounds = [0, ...steps.flatMap((step) => [step.startIndex, step.endIndex]), this.text.length];
    for (let k = 0; k < bounds.length; k += 2) {
      if (this.text.slice(bounds[k], bounds[k + 1]).replace(/#[^\n]*|&&|;|\s/g, '') !== '') return null;
    }
    return steps;
  }
}

/** `set -e`, `set -eux`, `set -o errexit` (options before any `--`). */
function turnsOnErrexit(statement: Node): boolean {
  if (statement.type !== 'command' || statement.childForFieldName('name')?.text !== 'set') return false;
  const args = statement.namedChildren.slice(1).map((n) => n?.text ?? '');
  const options = args.slice(0, args.includes('--') ? args.indexOf('--') : args.length);
  return options.some((a, k) => /^-[a-zA-Z]*e[a-zA-Z]*$/.test(a) || (a === '-o' && options[k + 1] === 'errexit'));
}

/** Runs `read` on the parse of a shell text that is no RUN's (a script file, a recipe line, a package.json script), freed after. */
export function withShellText<T>(text: string, read: (script: ShellScript) => T): T {
  const parses = new ShellParses();
  try {
    return read(new ShellScript(text, [{ shellStart: 0, docStart: 0, length: text.length }], parses));
  } finally {
    parses.free();
  }
}

/** A command's words as written, its name first: for a command generated from it. */
export const wordTexts = (cmd: Command): string[] => [cmd.nameWord.text, ...cmd.args.map((w) => w.text)];

/**
 * Why `x && <script>` would not fail whenever `x` fails, or null when it would. `&&` and `||` bind alike, left to
 * right, so `x && a || b` runs `b` after a failing `x`; in `x && a; b` the status of `b` decides; `x && a &` is not
 * waited for. Only a script that is one `&&` chain (`x && a && b` is `x && { a && b; }`) keeps the failure.
 */
export function losesFailureOfPrefix(script: ShellScript): string | null {
  const statements = script.root.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  if (!statements.length) return 'it has no command';
  if (statements.length > 1) return 'it is more than one statement (`;` or lines), and the last one decides its status';
  if (/^\s*&(?!&)/.test(script.text.slice(statements[0]!.endIndex))) return 'it runs in the background (`&`)';
  if (andSteps(statements[0]!).some(isOrList)) return 'it has an `||` at its top level, which takes over after a failure';
  return null;
}

/**
 * An `a || b` list. tree-sitter-bash hangs a redirect of a list's last command on the whole list (`a || b > f` is
 * read as `(a || b) > f`, where bash reads `a || (b > f)`), so such a statement is looked into too.
 */
function isOrList(node: Node): boolean {
  const list = node.type === 'redirected_statement' ? node.childForFieldName('body') : node;
  if (list?.type !== 'list') return false;
  if (list.children.some((c) => c?.type === '||')) return true;
  return list !== node && andSteps(list).some(isOrList);
}

/**
 * `node` taken apart as an `a && b && c` chain: its steps, left to right. A `&&` list splits into its two sides;
 * any other node, a `||` list included, is one step. Depth-first with a stack: a chain of thousands of steps nests
 * as deep.
 */
export function andSteps(node: Node): Node[] {
  const steps: Node[] = [];
  const pending = [node];
  while (pending.length) {
    const next = pending.pop()!;
    const operator = next.type === 'list' ? next.children.find((c) => c && !c.isNamed && (c.type === '&&' || c.type === '||')) : undefined;
    const sides = operator?.type === '&&' ? next.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment') : [];
    if (sides.length === 2) pending.push(sides[1]!, sides[0]!);
    else steps.push(next);
  }
  return steps;
}

/** Test operators that look at the file system (`-f x`, `a -nt b`); the others compare strings and numbers. */
const FILE_TESTS = /^-([abcdefghkprstuwxGLNOS]|nt|ot|ef)$/;

/** An `if` whose condition reads only the shell's variables: the condition as written, and each branch's statements. */
export interface VariableGuard {
  condition: string;
  then: Node[];
  otherwise: Node[];
  /** Each branch is commands and `&&`/`||` lists of them alone (no redirect, subshell, compound or assignment). */
  plainBranches: boolean;
}

/**
 * `node` as an `if` whose condition is `[ … ]` or `[[ … ]]` tests of strings and variables alone (joined by `&&`,
 * `||`, `!`; no file test, no command substitution) and that has no `elif`, or null. Such a condition reads
 * nothing a COPY brings.
 */
export function variableGuard(node: Node): VariableGuard | null {
  if (node.type !== 'if_statement') return null;
  const statements = (nodes: readonly (Node | null)[]) => nodes.filter((n): n is Node => !!n && n.isNamed && n.type !== 'comment');
  const conditions: Node[] = [];
  const then: Node[] = [];
  let otherwise: Node[] = [];
  let part: 'condition' | 'then' | 'done' = 'condition';
  for (let k = 0; k < node.childCount; k++) {
    const child = node.child(k)!;
    if (child.type === 'then') part = 'then';
    else if (child.type === 'elif_clause') return null;
    else if (child.type === 'else_clause') otherwise = statements(child.children);
    else if (child.type === 'fi') part = 'done';
    else if (child.isNamed && child.type !== 'comment') (part === 'condition' ? conditions : then).push(child);
  }
  const test = conditions.length === 1 ? conditions[0]! : undefined;
  if (!test || !testsVariablesAlone(test)) return null;
  return { condition: test.text, then, otherwise, plainBranches: [...then, ...otherwise].every(isPlainCommands) };
}

/** Nodes that run what they hold whenever they run (a loop's body at each turn), with no condition of their own. */
const UNCONDITIONAL = new Set(['list', 'redirected_statement', 'negated_command', 'pipeline', 'subshell', 'compound_statement', 'do_group', 'while_statement', 'for_statement', 'c_style_for_statement']);

/**
 * The end of the `if` branch that `node` runs in, when an `if` that is not itself under a condition holds it: its
 * branch's last statement ends there, so a step put after it runs only when that branch does. Null when no `if`
 * holds it (loops and subshells do not count); 'nested' when it is in an `if`'s condition or `elif`, or another
 * condition holds it (a second `if`, a `case`, a function).
 */
export function ifBranchEnd(node: Node): number | null | 'nested' {
  const holder = (n: Node): { child: Node; up: Node | null } => {
    let child = n;
    let up = n.parent;
    while (up && UNCONDITIONAL.has(up.type)) [child, up] = [up, up.parent];
    return { child, up };
  };
  const { child, up } = holder(node);
  if (!up || up.type === 'program') return null;
  const named = (nodes: (Node | null)[]) => nodes.filter((n): n is Node => !!n && n.isNamed && n.type !== 'comment');
  let ifNode: Node | null;
  let statements: Node[];
  if (up.type === 'else_clause') [ifNode, statements] = [up.parent, named(up.children)];
  else if (up.type === 'if_statement') {
    const kids = up.children;
    const thenAt = kids.findIndex((c) => c?.type === 'then');
    const endAt = kids.findIndex((c, k) => k > thenAt && (c?.type === 'elif_clause' || c?.type === 'else_clause' || c?.type === 'fi'));
    const inThen = child.startIndex > kids[thenAt]!.endIndex && child.endIndex <= kids[endAt]!.startIndex;
    if (!inThen) return 'nested';
    [ifNode, statements] = [up, named(kids.slice(thenAt + 1, endAt))];
  } else return 'nested';
  const top = ifNode ? holder(ifNode).up : null;
  if (!ifNode || (top && top.type !== 'program')) return 'nested';
  return statements[statements.length - 1]?.endIndex ?? null;
}

/** `[ … ]` tests, joined by `&&`, `||` and `!`, with no file test and no command substitution. */
function testsVariablesAlone(condition: Node): boolean {
  const pending = [condition];
  while (pending.length) {
    const node = pending.pop()!;
    if (node.type === 'test_command') {
      for (const inner of namedDescendants(node)) if (/substitution$/.test(inner.type) || (inner.type === 'test_operator' && FILE_TESTS.test(inner.text))) return false;
    } else if (node.type === 'list' || node.type === 'negated_command') {
      for (const child of node.namedChildren) {
        if (!child || child.type === 'comment') return false;
        pending.push(child);
      }
    } else return false;
  }
  return true;
}

/** A command, or a list of them: no redirect, subshell, compound statement or assignment of its own. */
function isPlainCommands(statement: Node): boolean {
  const pending = [statement];
  while (pending.length) {
    const node = pending.pop()!;
    if (node.type === 'command') continue;
    if (node.type !== 'list') return false;
    for (const child of node.namedChildren) if (child && child.type !== 'comment') pending.push(child);
  }
  return true;
}

/**
 * `root` and every named node below it, in source order (parents first). A stack, not recursion: a chain of
 * thousands of `&&` steps is a tree as deep, more than the call stack holds.
 */
function* namedDescendants(root: Node): Generator<Node> {
  const pending = [root];
  while (pending.length) {
    const node = pending.pop()!;
    yield node;
    const children = node.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child) pending.push(child);
    }
  }
}

function findCommands(root: Node): Command[] {
  const out: Command[] = [];
  for (const { node } of commandNodes.captures(root)) {
    const cmd = readCommand(node);
    if (cmd) out.push(cmd);
  }
  return out;
}

/** Static value of a word node, or null when it needs expansion. */
export function wordValue(node: Node): string | null {
  switch (node.type) {
    case 'word':
    case 'number':
      return /[*?[]/.test(node.text) && node.type === 'word' ? null : node.text.replace(/\\(.)/gs, '$1');
    case 'raw_string':
      return node.text.slice(1, -1);
    case 'string': {
      let value = '';
      for (const child of node.namedChildren) {
        if (!child || child.type !== 'string_content') return null;
        value += child.text.replace(/\\([$`"\\\n])/g, '$1');
      }
      return value;
    }
    case 'concatenation': {
      let value = '';
      for (const child of node.namedChildren) {
        const part = child ? wordValue(child) : null;
        if (part === null) return null;
        value += part;
      }
      return value;
    }
    default:
      return null;
  }
}

function toWord(node: Node): Word {
  return { value: wordValue(node), text: node.text, start: node.startIndex, end: node.endIndex };
}

/** Commands that run their arguments as another command: `sudo pip install x` is a pip install. */
const WRAPPERS = new Set(['sudo', 'env', 'exec', 'time', 'nice', 'nohup', 'command']);

function readCommand(node: Node): Command | null {
  const assignments = new Map<string, string | null>();
  const words: Word[] = [];
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (child.type === 'variable_assignment') {
      const name = child.childForFieldName('name')?.text;
      const value = child.childForFieldName('value');
      if (name) assignments.set(name, value ? wordValue(value) : '');
    } else if (child.type === 'command_name') {
      const inner = child.namedChild(0);
      if (inner) words.push(toWord(inner));
    } else if (child.type !== 'file_redirect' && child.type !== 'heredoc_redirect' && child.type !== 'herestring_redirect') {
      words.push(toWord(child));
    }
  }
  // Look through wrappers and their own options/assignments.
  while (words.length && words[0]?.value !== null && WRAPPERS.has(words[0]!.value)) {
    const wrapper = words.shift()!.value;
    while (words.length) {
      const w = words[0]!;
      if (w.value?.startsWith('-')) {
        words.shift();
        // sudo -u user / -g group take a value
        if (wrapper === 'sudo' && /^-[ugCDhpRrTU]$/.test(w.value)) words.shift();
      } else if (wrapper === 'env' && w.value && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.value)) {
        const eq = w.value.indexOf('=');
        assignments.set(w.value.slice(0, eq), w.value.slice(eq + 1));
        words.shift();
      } else break;
    }
  }
  const name = words.shift();
  if (!name || name.value === null) return null;
  return { name: name.value, nameWord: name, args: words, start: node.startIndex, end: node.endIndex, assignments, node };
}

export type { Segment };
