// Gradle's build definition as Gradle finds and reads it: the nearest settings file up the tree, the projects it
// includes (with their build scripts and properties), the version catalogs and script plugins it names, and the
// builds it includes. Settings and build scripts are Groovy or Kotlin programs; they are read with a tolerant
// scanner that understands string-literal arguments of the calls that locate files, and refuses anything else.
import path from 'node:path';
import type { BuildContext } from '../../engine/types.js';
import type { Refusal } from './installer.js';

const SETTINGS_FILES = ['settings.gradle', 'settings.gradle.kts'];
const BUILD_SCRIPTS = ['build.gradle', 'build.gradle.kts'];
/** Plugins that make a build a plugin build: Gradle compiles its plugins from their sources to configure the including build. */
const PLUGIN_DEVELOPMENT = /(['"`])(java-gradle-plugin|kotlin-dsl|groovy-gradle-plugin)\1/;

export interface GradleBuild {
  /** The build's root folder: where its settings file is, else the command's folder. */
  root: string;
  /** Context files Gradle reads to configure the build: the settings scripts as read, then the others in the context's order. */
  files: string[];
  /** False when neither a settings file nor a root build script exists: Gradle runs only its built-in commands there. */
  defined: boolean;
  /** The paths of the build's own projects (`:`, `:api`, `:core:model`), root first; not those of included builds. */
  projects: string[];
}

const join = (...parts: string[]) => {
  const joined = path.posix.normalize(path.posix.join(...parts));
  return joined === '.' ? '' : joined;
};
const outside = (file: string) => file === '..' || file.startsWith('../');
const folderOf = (file: string) => join(path.posix.dirname(file));

/** The script with its comments and (for brace matching) string contents blanked, offsets and line breaks kept. */
function blank(text: string, strings: boolean): string {
  let out = '';
  const keep = (s: string) => s.replace(/[^\n]/g, ' ');
  for (let i = 0; i < text.length; ) {
    const rest = text.slice(i);
    const comment = /^(\/\/[^\n]*|\/\*[\s\S]*?(\*\/|$))/.exec(rest);
    const literal = /^("""[\s\S]*?"""|'''[\s\S]*?'''|"(\\.|[^"\\\n])*"|'(\\.|[^'\\\n])*')/.exec(rest);
    if (comment) out += keep(comment[0]);
    else if (literal) out += strings ? literal[0][0] + keep(literal[0].slice(1, -1)) + literal[0][0] : literal[0];
    else {
      out += text[i];
      i++;
      continue;
    }
    i += (comment ?? literal)![0].length;
  }
  return out;
}

/** The value of a string literal without interpolation, or null for any other expression. */
function literalValue(expression: string): string | null {
  const m = /^(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\$])*)")$/.exec(expression.trim());
  return m ? (m[1] ?? m[2]!).replace(/\\(.)/g, '$1') : null;
}

/** Arguments split at top-level commas. */
function splitArguments(text: string): string[] {
  const masked = blank(text, true);
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i]!;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const last = text.slice(start);
  return last.trim() || args.length ? [...args, last] : args;
}

/** Where the parenthesised group opening at `open` closes (in string-blanked text), or -1. */
function closing(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    if (masked[i] === '(') depth++;
    else if (masked[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

interface Call {
  /** The argument expressions as written, or null when the call's arguments cannot be delimited. */
  args: string[] | null;
  line: number;
  /** The call as written, for refusals. */
  text: string;
  offset: number;
}

/** A scanned script: its text with comments blanked, and where each line starts. */
class Script {
  readonly code: string;
  private readonly masked: string;
  constructor(readonly file: string, text: string) {
    this.code = blank(text, false);
    this.masked = blank(text, true);
  }
  private lineEnd(from: number): number {
    const end = this.masked.indexOf('\n', from);
    return end === -1 ? this.masked.length : end;
  }
  lineAt(offset: number): number {
    return this.code.slice(0, offset).split('\n').length;
  }
  /**
   * The calls of `name` (a regex source): `name(args)`, or Groovy's `name 'a', 'b'` to the end of the line
   * (continued after a trailing comma). Matches are found in code only, not in strings or comments.
   */
  calls(name: string): Call[] {
    const found: Call[] = [];
    for (const m of this.masked.matchAll(new RegExp(`(?<![\\w.$])(?:settings\\s*\\.\\s*)?(?:${name})(?![\\w$])`, 'g'))) {
      const after = m.index + m[0].length;
      const gap = /^[ \t]*/.exec(this.masked.slice(after))![0].length;
      const at = after + gap;
      let args: string[] | null = null;
      let end = at;
      if (this.masked[at] === '(') {
        const close = closing(this.masked, at);
        if (close > 0) {
          args = splitArguments(this.code.slice(at + 1, close));
          end = close + 1;
        }
      } else if (/['"]/.test(this.masked[at] ?? '')) {
        // Groovy's command syntax: arguments run to the end of the line, or on after a trailing comma.
        end = this.lineEnd(at);
        while (this.masked.slice(at, end).trimEnd().endsWith(',') && end < this.masked.length) end = this.lineEnd(end + 1);
        args = splitArguments(this.code.slice(at, end));
      } else end = this.lineEnd(at);
      found.push({ args, line: this.lineAt(m.index), text: this.code.slice(m.index, end).trim(), offset: m.index });
    }
    return found;
  }
  /** Whether `offset` lies inside a `name { ... }` block. */
  inBlock(name: string, offset: number): boolean {
    for (const m of this.masked.matchAll(new RegExp(`(?<![\\w.$])${name}\\s*\\{`, 'g'))) {
      let depth = 0;
      for (let i = m.index + m[0].length - 1; i < this.masked.length; i++) {
        if (this.masked[i] === '{') depth++;
        else if (this.masked[i] === '}' && --depth === 0) {
          if (offset > m.index && offset < i) return true;
          break;
        }
      }
    }
    return false;
  }
  refusal(call: { line: number; text: string }, what: string): Refusal {
    return { refuse: `${this.file}:${call.line} ${what} (\`${call.text}\`), which dockmod cannot read without running Gradle` };
  }
}

/** A path a script names: a literal, `"$rootDir/..."`, `file("...")` or `File(rootDir|settingsDir, "...")`; null otherwise. */
function namedPath(expression: string, base: string, root: string): string | null {
  const e = expression.trim();
  const literal = literalValue(e);
  if (literal !== null) return path.posix.isAbsolute(literal) ? null : join(base, literal);
  const rooted = /^"\$\{?(rootDir|settingsDir|rootProject\.projectDir)\}?\/((?:\\.|[^"\\$])*)"$/.exec(e);
  if (rooted) return join(root, rooted[2]!);
  const fileCall = /^(rootProject\s*\.\s*)?file\s*\(([\s\S]*)\)$/.exec(e);
  if (fileCall) return namedPath(fileCall[2]!, fileCall[1] ? root : base, root);
  const fileOf = /^(?:new\s+)?(?:java\.io\.)?File\s*\(\s*(rootDir|settingsDir|rootProject\.projectDir)\s*,([\s\S]*)\)$/.exec(e);
  if (fileOf) return namedPath(fileOf[2]!, root, root);
  return null;
}

/** The script plugins a script applies (`apply from: '...'`, `apply(from = "...")`); remote ones are fetched, not read. */
function appliedScripts(script: Script, base: string, root: string): string[] | Refusal {
  const files: string[] = [];
  for (const m of script.code.matchAll(/(?<![\w.$])apply\s*\(?\s*from\s*[:=]\s*/g)) {
    const start = m.index + m[0].length;
    const lineEnd = script.code.indexOf('\n', start);
    const expression = script.code.slice(start, lineEnd === -1 ? undefined : lineEnd).replace(/\)\s*$/, '').split(/,\s*to\s*[:=]/)[0]!;
    const call = { line: script.lineAt(m.index), text: script.code.slice(m.index, lineEnd === -1 ? undefined : lineEnd).trim() };
    if (/^\s*(['"])(https?|file):/.test(expression)) continue;
    const file = namedPath(expression, base, root);
    if (file === null) return script.refusal(call, 'applies a script named by an expression');
    if (outside(file)) return { refuse: `${script.file}:${call.line} applies ${file}, which is outside the build context` };
    files.push(file);
  }
  return files;
}

interface Project {
  path: string;
  dir: string;
  buildFile?: string;
}

/** The nearest settings file from `dir` up to the context root, as Gradle searches for it. */
function findSettings(context: BuildContext, dir: string): string | undefined {
  for (let folder = dir; ; folder = folderOf(folder)) {
    const settings = SETTINGS_FILES.map((n) => join(folder, n)).find((f) => context.exists(f));
    if (settings || folder === '') return settings;
  }
}

/**
 * The files Gradle reads to configure the build that a command run in `dir` belongs to (`settingsFile`: the one
 * `-c` names). Refuses what a fetch from these files cannot serve: buildSrc and plugin builds, which Gradle
 * compiles from their sources, and settings it cannot read statically.
 */
export function gradleBuild(context: BuildContext, dir: string, settingsFile?: string): GradleBuild | Refusal {
  const settings = settingsFile ?? findSettings(context, dir);
  const root = settings ? folderOf(settings) : dir;
  const found: Found = { settings: [], files: new Set() };
  const build = readBuild(context, root, settings, found, new Set());
  if ('refuse' in build) return build;
  if (settings && !build.projectDirs.includes(dir) && !settingsFile) return { refuse: `${dir || 'the build context root'} is not a project of the build that ${settings} defines, so Gradle would not run there` };
  const others = context.listFiles().filter((f) => found.files.has(f) && !found.settings.includes(f));
  return { root, files: [...found.settings, ...others], defined: Boolean(settings) || build.rootScript, projects: build.projectPaths };
}

/** The files read so far: settings scripts in the order Gradle runs them, and the rest. */
interface Found {
  settings: string[];
  files: Set<string>;
}

/** Reads one build (and the builds it includes) into `found`: its projects' folders, and whether the root has a build script. */
function readBuild(context: BuildContext, root: string, settings: string | undefined, found: Found, seen: Set<string>): { projectDirs: string[]; projectPaths: string[]; rootScript: boolean } | Refusal {
  seen.add(root);
  const buildSrc = join(root, 'buildSrc');
  if (context.exists(buildSrc)) return { refuse: `${buildSrc}/ is build logic that Gradle compiles from its sources before it configures the build, so the fetch would need those sources` };
  const scripts: Script[] = [];
  for (const file of settings ? [settings] : []) {
    const pending = [file];
    for (let i = 0; i < pending.length; i++) {
      const text = context.readFile(pending[i]!);
      if (text === undefined) return { refuse: `${pending[i]} is ${context.refusal?.(pending[i]!) ?? 'not in the build context'}` };
      const script = new Script(pending[i]!, text);
      scripts.push(script);
      const applied = appliedScripts(script, root, root);
      if ('refuse' in applied) return applied;
      pending.push(...applied.filter((f) => !pending.includes(f)));
    }
  }
  const declared = readSettings(scripts, root);
  if ('refuse' in declared) return declared;
  found.settings.push(...scripts.map((s) => s.file));
  // gradle/ holds Gradle's own files: the default version catalog, dependency verification, the wrapper, shared scripts.
  const own = [join(root, 'gradle.properties'), ...filesUnder(context, join(root, 'gradle'))];
  for (const file of [...own, ...declared.catalogs]) {
    if (declared.catalogs.includes(file) && !context.exists(file)) return { refuse: `the version catalog ${file} is not in the build context` };
    if (context.exists(file)) found.files.add(file);
  }
  let rootScript = false;
  for (const project of declared.projects) {
    if (outside(project.dir)) return { refuse: `the project ${project.path} is in ${project.dir}, outside the build context` };
    const names = project.buildFile ? [project.buildFile] : BUILD_SCRIPTS;
    const script = names.map((n) => join(project.dir, n)).find((f) => context.exists(f));
    const properties = join(project.dir, 'gradle.properties');
    if (context.exists(properties)) found.files.add(properties);
    if (!script) continue;
    if (project.path === ':') rootScript = true;
    const pending = [script];
    for (let i = 0; i < pending.length; i++) {
      const file = pending[i]!;
      const text = context.readFile(file);
      if (text === undefined) return { refuse: `${file}, applied by ${pending[0]}, is ${context.refusal?.(file) ?? 'not in the build context'}` };
      found.files.add(file);
      const applied = appliedScripts(new Script(file, text), project.dir, root);
      if ('refuse' in applied) return applied;
      pending.push(...applied.filter((f) => !pending.includes(f)));
    }
  }
  for (const { dir, call, script } of declared.included) {
    if (seen.has(dir)) continue;
    if (outside(dir)) return { refuse: `${script.file}:${call.line} includes the build ${dir}, which is outside the build context` };
    const pluginBuild = script.inBlock('pluginManagement', call.offset) || BUILD_SCRIPTS.some((n) => PLUGIN_DEVELOPMENT.test(context.readFile(join(dir, n)) ?? ''));
    if (pluginBuild) return { refuse: `${script.file}:${call.line} includes the build ${dir || '.'}, whose plugins Gradle compiles from their sources to configure this build, so the fetch would need those sources` };
    const nested = readBuild(context, dir, SETTINGS_FILES.map((n) => join(dir, n)).find((f) => context.exists(f)), found, seen);
    if ('refuse' in nested) return nested;
  }
  return { projectDirs: declared.projects.map((p) => p.dir), projectPaths: declared.projects.map((p) => p.path), rootScript };
}

/** Context files under `folder`. */
const filesUnder = (context: BuildContext, folder: string) => context.listFiles().filter((f) => f.startsWith(`${folder}/`));

interface Declared {
  projects: Project[];
  included: { dir: string; call: Call; script: Script }[];
  catalogs: string[];
}

/** The projects (with their folders and build file names), included builds and version catalogs the settings scripts declare. */
function readSettings(scripts: readonly Script[], root: string): Declared | Refusal {
  const declared: Declared = { projects: [{ path: ':', dir: root }], included: [], catalogs: [] };
  const { projects } = declared;
  const addProject = (projectPath: string, flat: boolean) => {
    const segments = projectPath.split(':').filter(Boolean);
    for (let n = 1; n <= segments.length; n++) {
      const p = `:${segments.slice(0, n).join(':')}`;
      if (projects.some((x) => x.path === p)) continue;
      const parent = projects.find((x) => x.path === (n === 1 ? ':' : `:${segments.slice(0, n - 1).join(':')}`))!;
      projects.push({ path: p, dir: flat ? join(root, '..', segments[n - 1]!) : join(parent.dir, segments[n - 1]!) });
    }
  };
  for (const script of scripts) {
    for (const call of script.calls('include|includeFlat')) {
      const values = call.args?.map(literalValue);
      if (!values?.length || values.includes(null)) return script.refusal(call, 'includes projects named by an expression');
      for (const v of values) addProject(v!, /^(settings\s*\.\s*)?includeFlat/.test(call.text));
    }
    for (const call of script.calls('includeBuild')) {
      const dir = call.args?.length ? namedPath(call.args[0]!, root, root) : null;
      if (dir === null) return script.refusal(call, 'includes a build named by an expression');
      declared.included.push({ dir, call, script });
    }
    for (const call of script.calls('from').filter((c) => script.inBlock('versionCatalogs', c.offset))) {
      const files = /^\s*files\s*\(([\s\S]*)\)\s*$/.exec(call.args?.length === 1 ? call.args[0]! : '');
      // `from("group:artifact:version")` is a published catalog, fetched like a dependency.
      if (!files && call.args?.length === 1 && literalValue(call.args[0]!) !== null) continue;
      const named = files ? splitArguments(files[1]!).map((arg) => namedPath(arg, root, root)) : [null];
      if (named.includes(null)) return script.refusal(call, 'imports a version catalog named by an expression');
      declared.catalogs.push(...(named as string[]));
    }
  }
  // Assignments that move a project or rename its build script: only literal paths on a project named literally are read.
  for (const script of scripts) {
    for (const m of script.code.matchAll(/(?<![\w$])(?:(project\s*\(\s*(['"])([^'"$]*)\2\s*\))|(rootProject)|([\w$.?()'":]+?))\s*\??\.\s*(projectDir|buildFileName)\s*=(?!=)\s*([^\n;]*)/g)) {
      const call = { line: script.lineAt(m.index), text: m[0].trim() };
      const target = m[4] ? ':' : m[3] !== undefined ? `:${m[3].replace(/^:/, '')}` : null;
      const project = projects.find((p) => p.path === target);
      if (!project) return script.refusal(call, `sets the ${m[6]} of a project it names through an expression or does not include`);
      if (m[6] === 'projectDir') {
        const dir = namedPath(m[7]!, root, root);
        if (dir === null) return script.refusal(call, 'sets a project folder through an expression');
        const old = project.dir;
        for (const p of projects) if (p.path === project.path || p.path.startsWith(`${project.path === ':' ? '' : project.path}:`)) p.dir = join(dir, path.posix.relative(old, p.dir));
      } else {
        const name = literalValue(m[7]!);
        if (name === null) return script.refusal(call, 'names a build script through an expression');
        project.buildFile = name;
      }
    }
  }
  return declared;
}
