// .NET: `dotnet restore` reads the project closure (projects, their Directory.* imports, NuGet and SDK settings); build/publish/test restore as they go unless --no-restore.
import path from 'node:path';
import type { BuildContext } from '../../engine/types.js';
import { folderOf, optionFiles, positionals, unreadable, upward, type CommandWord, type Installer, type Refusal, type ToContext } from './installer.js';
import { basename } from '../vocabulary/tool.js';

/** A project file, beside which restore and build write obj/ and bin/ (a solution only lists projects). */
const PROJECT = /\.[a-z]*proj$/i;
const SOLUTION = /\.slnx?$/i;
/** MSBuild imports the first of each of these found walking up from the project's folder (and stops there). */
const DIRECTORY_FILES = ['Directory.Build.props', 'Directory.Build.targets', 'Directory.Packages.props'];
/** NuGet merges every config file from the project's folder up; its name is matched without regard to case. */
const NUGET_CONFIG = /^nuget\.config$/i;
/** Imports of files the SDK or toolset ships, not the build context. */
const TOOLSET_IMPORT = /^\$\((MSBuildExtensionsPath(32|64)?|MSBuildToolsPath|MSBuildBinPath|MSBuildSDKsPath|VSToolsPath|MSBuildFrameworkToolsPath)\)/i;
/**
 * The documented way a Directory.* file imports the next one up: GetPathOfFileAbove(name, start), which looks in
 * `start` and each folder above it, with `start` its own folder's parent (`../`) or a folder further up (`../../`).
 */
const IMPORT_ABOVE = /^\$\(\[MSBuild\]::GetPathOfFileAbove\(\s*'?([\w.]+)'?\s*,\s*'?\$\(MSBuildThisFileDirectory\)((?:\.\.[\\/]?)+)'?\s*\)\)$/i;
const RESTORING = new Set(['restore', 'build', 'publish', 'test', 'pack', 'run']);
const VALUE_OPTIONS = new Set(['-c', '--configuration', '-o', '--output', '-r', '--runtime', '-a', '--arch', '--os', '-f', '--framework', '-p', '--property', '-v', '--verbosity', '-s', '--source', '--version-suffix', '--configfile', '--packages']);
const RESTORE_VALUE_OPTIONS = new Set(['-r', '--runtime', '-a', '--arch', '--os', '-s', '--source', '--configfile', '--packages', '-p', '--property']);
const FILE_OPTIONS = new Set(['--configfile']);
const RESTORE_FLAGS = new Set(['--no-cache', '--no-http-cache', '--disable-parallel', '--ignore-failed-sources', '--locked-mode', '--use-current-runtime', '--ucr']);

/**
 * MSBuild's switches, which the .NET CLI passes on to it: written with `-` or, as MSBuild also reads them, `/`
 * (`/p:Version=1`, `/m`). A `/` word is a switch when it has a `:` parameter, or is one of MSBuild's documented
 * parameterless switches; any other one (`/src/App.csproj`) is a path.
 */
const MSBUILD_SWITCHES = new Set(['m', 'maxcpucount', 'bl', 'binarylogger', 'nologo', 'restore', 'r', 'ds', 'detailedsummary', 'noconlog', 'noconsolelogger', 'fl', 'filelogger', 'nr', 'nodereuse', 'graph', 'graphbuild', 'isolate', 'isolateprojects', 'interactive', 'noautorsp', 'noautoresponse', 'low', 'lowpriority', 'err', 'warnaserror', 'tl', 'terminallogger']);
const isSlashSwitch = (word: string): boolean => word.startsWith('/') && (/^\/[A-Za-z][\w.]*:/.test(word) || MSBUILD_SWITCHES.has(word.slice(1).toLowerCase()));

/** `--self-contained` and `--sc` take an optional true/false (learn.microsoft.com dotnet-publish). */
const SELF_CONTAINED = new Set(['--self-contained', '--sc']);
const isBoolean = (word: string | null | undefined): word is string => word === 'true' || word === 'false';

/** The CLI's positional arguments (a project, solution or folder), without options, their values and MSBuild switches. */
function projectArguments(args: readonly (string | null)[]): (string | null)[] {
  const options = args.filter((a, i) => (a === null || !isSlashSwitch(a)) && !(isBoolean(a) && SELF_CONTAINED.has(args[i - 1] ?? '')));
  return positionals(options, VALUE_OPTIONS);
}

/**
 * The properties a build option sets that change what restore resolves, for the restore run in its place:
 * `-c Release` is `Configuration=Release` (a PackageReference may be conditioned on it), `--self-contained` is
 * `SelfContained=true` (the runtime packs). Only a value written out can be repeated so; a variable's is dropped.
 */
function restoreProperty(option: string, value: string | null | undefined): string | null {
  if ((option === '-c' || option === '--configuration') && value && /^[\w.-]+$/.test(value)) return `-p:Configuration=${value}`;
  if (SELF_CONTAINED.has(option)) return `-p:SelfContained=${isBoolean(value) ? value : 'true'}`;
  return null;
}

/** An option whose value picks no file and no MSBuild property (`-r $RID`): a variable there leaves the closure as it is. */
const valueNotNamingFiles = (option: string | null | undefined): boolean => !!option && VALUE_OPTIONS.has(option) && !FILE_OPTIONS.has(option) && option !== '-p' && option !== '--property';

/** A path MSBuild or a solution names, `\` separated, relative to `folder`: context-relative, or null outside it. */
function resolveNamed(folder: string, named: string): string | null {
  const file = path.posix.normalize(path.posix.join(folder, named.trim().replace(/\\/g, '/')));
  return file === '..' || file.startsWith('../') || path.posix.isAbsolute(named.replace(/\\/g, '/')) ? null : file;
}
/**
 * The context path of a project a ProjectReference in `file` names for `project`: relative to the project's folder
 * (an imported file's items are evaluated in the project), or to `file`'s own with `$(MSBuildThisFileDirectory)`
 * (or the project's with `$(MSBuildProjectDirectory)`), as MSBuild's reserved properties say. Null: outside the
 * context; undefined: another property, an item or a wildcard, which only MSBuild's evaluation resolves.
 */
function referencedProject(named: string, file: string, project: string): string | null | undefined {
  const reserved = /^\s*\$\((MSBuildThisFileDirectory|MSBuildProjectDirectory)\)[\\/]?/.exec(named);
  const rest = reserved ? named.slice(reserved[0].length) : named;
  if (/[$@%*?]/.test(rest)) return undefined;
  return resolveNamed(folderOf(reserved?.[1] === 'MSBuildThisFileDirectory' ? file : project), rest);
}

/** The values of `attribute` on each `<element>` of an MSBuild or solution file, comments left out. */
function attributeValues(xml: string, element: string, attribute: string): { value: string; tag: string }[] {
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  const tags = text.matchAll(new RegExp(`<${element}\\b[^>]*>`, 'gi'));
  return [...tags].flatMap(([tag]) => {
    const value = new RegExp(`\\s${attribute}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
    return value ? [{ value: value[1] ?? value[2]!, tag }] : [];
  });
}
/** The projects a solution lists: `Project(...) = "Name", "path", ...` in .sln, `<Project Path="..."/>` in .slnx. */
function solutionProjects(text: string, file: string): string[] {
  const named = /\.slnx$/i.test(file) ? attributeValues(text, 'Project', 'Path').map((a) => a.value) : [...text.matchAll(/^Project\("[^"]*"\)\s*=\s*"[^"]*"\s*,\s*"([^"]*)"/gm)].map((m) => m[1]!);
  // Solution folders are listed the same way, with a name instead of a project path.
  return named.filter((p) => PROJECT.test(p));
}

/**
 * The files a restore reads, followed as MSBuild and NuGet find them: the project or solution it names (or the
 * one in its folder), each project's ProjectReferences transitively, and for each project the first
 * Directory.Build.props/.targets and Directory.Packages.props up the tree (with the GetPathOfFileAbove chain
 * they import), its packages.lock.json, every NuGet config up to the context root, and the first global.json.
 */
function restoreClosure(argv: readonly (string | null)[], dir: string, context: BuildContext, toContext: ToContext): { files: string[] } | Refusal {
  const listed = context.listFiles();
  const byFolder = new Map<string, string[]>();
  for (const f of listed) {
    const folder = folderOf(f);
    const files = byFolder.get(folder);
    if (files) files.push(f);
    else byFolder.set(folder, [f]);
  }
  const inFolder = (folder: string, name: RegExp) => (byFolder.get(folder) ?? []).filter((f) => name.test(path.posix.basename(f)));
  const found = new Set<string>();
  /** Each file's text, and the files it imports (for a project: with the Directory.* files MSBuild imports). */
  const texts = new Map<string, string>();
  const importsOf = new Map<string, string[]>();
  const [argument] = projectArguments(argv.slice(2));
  let entry: string;
  let entryFolder = dir;
  if (argument !== undefined && argument !== null && /\.(slnx?|[a-z]*proj)$/i.test(argument)) {
    const file = toContext(argument);
    if (file === null) return { refuse: `${argument} does not come from the build context` };
    entry = file;
  } else {
    if (argument) {
      const folder = toContext(argument);
      if (folder === null) return { refuse: `${argument} does not come from the build context` };
      entryFolder = folder === '.' ? '' : folder;
    }
    // MSBuild builds the one project or solution file in the folder, and stops (MSB1011) when there are more.
    const pick = inFolder(entryFolder, /\.(slnx?|[a-z]*proj)$/i);
    if (pick.length === 0) return { refuse: `no project or solution file in ${entryFolder || 'the build context root'}` };
    if (pick.length > 1) return { refuse: `${entryFolder || 'the build context root'} has more than one project or solution file (${pick.join(', ')}), so MSBuild would not pick one` };
    entry = pick[0]!;
  }
  /** Each project to restore, and what names it (for refusals). */
  const projects: { file: string; by: string }[] = [];
  const entryText = context.readFile(entry);
  if (entryText === undefined) return unreadable(context, entry);
  found.add(entry);
  if (SOLUTION.test(entry)) {
    for (const named of solutionProjects(entryText, entry)) {
      const project = resolveNamed(folderOf(entry), named);
      if (project === null) return { refuse: `${entry} lists ${named}, which is outside the build context` };
      projects.push({ file: project, by: entry });
    }
  } else projects.push({ file: entry, by: 'the command' });
  // NuGet reads the configs from the solution's folder too; the SDK, the first global.json up from where dotnet runs.
  const settingsFrom = [entryFolder, folderOf(entry)];
  const read = (file: string, by: string): string | Refusal => {
    const text = context.readFile(file);
    return text === undefined ? { refuse: `${file}, named by ${by}, is ${context.refusal?.(file) ?? 'not in the build context'}` } : text;
  };
  /** The file and the files it imports, transitively; Sdk imports and toolset paths come from the SDK. */
  const addImports = (file: string, text: string): Refusal | null => {
    for (const { value, tag } of attributeValues(text, 'Import', 'Project')) {
      if (/\sSdk\s*=/i.test(tag) || TOOLSET_IMPORT.test(value)) continue;
      const above = IMPORT_ABOVE.exec(value.trim());
      if (above) {
        // The search starts that many folders up; above the context root nothing comes from the context.
        let start: string | null = folderOf(file);
        for (let up = above[2]!.split('..').length - 1; up > 0 && start !== null; up--) start = start === '' ? null : folderOf(start);
        const next = start === null ? undefined : upward(start).map((f) => path.posix.join(f, above[1]!)).find((f) => context.exists(f));
        const problem = next ? addFile(next, file) : null;
        if (problem) return problem;
        continue;
      }
      if (/[$@%*?]/.test(value)) return { refuse: `${file} imports ${value}, which dockmod cannot resolve without evaluating MSBuild` };
      const imported = resolveNamed(folderOf(file), value);
      if (imported === null) return { refuse: `${file} imports ${value}, which is outside the build context` };
      if (!context.exists(imported) && /\sCondition\s*=/i.test(tag)) continue;
      const problem = addFile(imported, file);
      if (problem) return problem;
    }
    return null;
  };
  const addFile = (file: string, by: string): Refusal | null => {
    (importsOf.get(by) ?? importsOf.set(by, []).get(by)!).push(file);
    if (found.has(file)) return null;
    const text = read(file, by);
    if (typeof text !== 'string') return text;
    found.add(file);
    texts.set(file, text);
    return addImports(file, text);
  };
  /** A project's file and every file it imports (Directory.* files, `<Import>`s), transitively. */
  const evaluatedFiles = (project: string): string[] => {
    const files = [project];
    for (let k = 0; k < files.length; k++) for (const f of importsOf.get(files[k]!) ?? []) if (!files.includes(f)) files.push(f);
    return files;
  };
  for (let i = 0; i < projects.length; i++) {
    const { file: project, by } = projects[i]!;
    const text = project === entry ? entryText : read(project, by);
    if (typeof text !== 'string') return text;
    found.add(project);
    texts.set(project, text);
    const imports = addImports(project, text);
    if (imports) return imports;
    const folders = upward(folderOf(project));
    for (const name of DIRECTORY_FILES) {
      const nearest = folders.map((f) => path.posix.join(f, name)).find((f) => context.exists(f));
      const problem = nearest ? addFile(nearest, project) : null;
      if (problem) return problem;
    }
    // An imported file's items are the project's: a ProjectReference in Directory.Build.props is each project's.
    for (const file of evaluatedFiles(project)) {
      for (const { value } of attributeValues(texts.get(file)!, 'ProjectReference', 'Include')) {
        for (const named of value.split(';').filter((v) => v.trim())) {
          const referenced = referencedProject(named, file, project);
          if (referenced === undefined) return { refuse: `${file} has <ProjectReference Include="${value}" />, which dockmod cannot resolve without evaluating MSBuild` };
          if (referenced === null) return { refuse: `${file} references ${named}, which is outside the build context` };
          if (!projects.some((p) => p.file === referenced)) projects.push({ file: referenced, by: file });
        }
      }
    }
    const lock = path.posix.join(folderOf(project), 'packages.lock.json');
    if (context.exists(lock)) found.add(lock);
    settingsFrom.push(folderOf(project));
  }
  for (const start of settingsFrom) {
    const folders = upward(start);
    for (const folder of folders) for (const config of inFolder(folder, NUGET_CONFIG)) found.add(config);
    const globalJson = folders.map((f) => path.posix.join(f, 'global.json')).find((f) => context.exists(f));
    if (globalJson) found.add(globalJson);
  }
  // In the context's own order, as the copy lists them.
  return { files: listed.filter((f) => found.has(f)) };
}

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const dotnetPrimaryManifests: readonly string[] = ['*.csproj', '*.fsproj', '*.vbproj', '*.sln'];

export const dotnetInstallers: readonly Installer[] = [
  {
    tool: 'dotnet',
    ecosystem: 'dotnet',
    matches: (argv) => basename(argv[0]) === 'dotnet' && RESTORING.has(argv[1] ?? '') && !argv.includes('--no-restore'),
    repeatsQuickly: true,
    manifests(argv, dir, context, toContext) {
      if (argv.some((a, i) => a === null && !valueNotNamingFiles(argv[i - 1]))) return { refuse: '`dotnet` has arguments that depend on variables' };
      const closure = restoreClosure(argv, dir, context, toContext);
      if ('refuse' in closure) return closure;
      const { files } = closure;
      const named = optionFiles(argv, FILE_OPTIONS, context, toContext);
      if ('refuse' in named) return named;
      // Restore writes obj/project.assets.json beside each project; a host obj/ or bin/ copied over it breaks the build.
      const projectDirs = [...new Set(files.filter((f) => PROJECT.test(f)).map((f) => path.posix.dirname(f)))];
      const shadowed = ['obj', 'bin'].map((name) => ({ entry: `**/${name}`, paths: projectDirs.map((d) => path.posix.join(d, name)) }));
      return { files: [...new Set([...files, ...named])], optional: [], shadowed };
    },
    downloadCache: /(^|\/)\.nuget(\/packages)?\/?$/,
    // Restore what the command builds: its project argument and the options restore shares (runtime, package
    // sources, properties), without build-only ones (`-c`, `-o`), which restore rejects; `-c` and
    // `--self-contained` become the properties they set.
    prefetch(argv) {
      if (argv[1] === 'restore') return null;
      const words: CommandWord[] = [0, 'restore'];
      let project = false;
      for (let i = 2; i < argv.length; i++) {
        const a = argv[i];
        // A word through a variable: manifests() refuses the install, so what it is does not matter here.
        if (a === null || a === undefined) continue;
        const property = restoreProperty(a, argv[i + 1]);
        if (property) words.push(property);
        if (VALUE_OPTIONS.has(a)) {
          if (RESTORE_VALUE_OPTIONS.has(a)) words.push(i, i + 1);
          i++;
        } else if (SELF_CONTAINED.has(a)) {
          if (isBoolean(argv[i + 1])) i++;
        } else if (RESTORE_FLAGS.has(a) || RESTORE_VALUE_OPTIONS.has(a.split('=')[0]!) || /^[-/]p(roperty)?:/i.test(a)) words.push(i);
        else if (!a.startsWith('-') && !isSlashSwitch(a) && !project) {
          project = true;
          words.push(i);
        }
      }
      return words;
    },
  },
];
