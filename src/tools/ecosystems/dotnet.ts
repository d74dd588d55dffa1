// .NET: `dotnet restore` needs only project files; build/publish/test restore as they go unless --no-restore.
import path from 'node:path';
import { filesNamed, optionFiles, type CommandWord, type Installer } from './installer.js';
import { basename } from '../vocabulary/tool.js';

/** Every file a restore can read: solutions, projects, shared props/targets, NuGet and SDK settings. */
const PROJECT_FILE = /\.(sln|slnx|csproj|fsproj|vbproj|proj)$|^Directory\.(Build|Packages)\.(props|targets)$|^nuget\.config$|^global\.json$|^packages\.lock\.json$/i;
/** A project file, beside which restore and build write obj/ and bin/ (a solution only lists projects). */
const PROJECT = /\.[a-z]*proj$/i;
const RESTORING = new Set(['restore', 'build', 'publish', 'test', 'pack', 'run']);
const VALUE_OPTIONS = new Set(['-c', '--configuration', '-o', '--output', '-r', '--runtime', '-a', '--arch', '--os', '-f', '--framework', '-p', '--property', '-v', '--verbosity', '-s', '--source', '--version-suffix', '--configfile', '--packages']);
const RESTORE_VALUE_OPTIONS = new Set(['-r', '--runtime', '-s', '--source', '--configfile', '--packages', '-p', '--property']);
const FILE_OPTIONS = new Set(['--configfile']);
const RESTORE_FLAGS = new Set(['--no-cache', '--no-http-cache', '--disable-parallel', '--ignore-failed-sources', '--locked-mode', '--use-current-runtime', '--ucr']);

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const dotnetPrimaryManifests: readonly string[] = ['*.csproj', '*.fsproj', '*.vbproj', '*.sln'];

export const dotnetInstallers: readonly Installer[] = [
  {
    tool: 'dotnet',
    ecosystem: 'dotnet',
    matches: (argv) => basename(argv[0]) === 'dotnet' && RESTORING.has(argv[1] ?? '') && !argv.includes('--no-restore'),
    manifests(argv, dir, context, toContext) {
      if (argv.some((a) => a === null)) return { refuse: '`dotnet` has arguments that depend on variables' };
      const files = filesNamed(context, dir, PROJECT_FILE).filter((f) => !f.split('/').some((p) => p === 'bin' || p === 'obj'));
      if (!files.some((f) => /\.(sln|slnx|[a-z]*proj)$/i.test(f))) return { refuse: 'no project or solution file in the build context' };
      const named = optionFiles(argv, FILE_OPTIONS, context, toContext);
      if ('refuse' in named) return named;
      // Restore writes obj/project.assets.json beside each project; a host obj/ or bin/ copied over it breaks the build.
      const projectDirs = [...new Set(files.filter((f) => PROJECT.test(f)).map((f) => path.posix.dirname(f)))];
      const shadowed = ['obj', 'bin'].map((name) => ({ entry: `**/${name}`, paths: projectDirs.map((d) => path.posix.join(d, name)) }));
      return { files: [...new Set([...files, ...named])], optional: [], shadowed };
    },
    // Restore what the command builds: its project argument and the options restore shares (runtime, package
    // sources, properties), without build-only ones (`-c`, `-o`), which restore rejects.
    prefetch(argv) {
      if (argv[1] === 'restore') return null;
      const words: CommandWord[] = [0, 'restore'];
      let project = false;
      for (let i = 2; i < argv.length; i++) {
        const a = argv[i];
        // A word through a variable: manifests() refuses the install, so what it is does not matter here.
        if (a === null || a === undefined) continue;
        if (VALUE_OPTIONS.has(a)) {
          if (RESTORE_VALUE_OPTIONS.has(a)) words.push(i, i + 1);
          i++;
        } else if (RESTORE_FLAGS.has(a) || RESTORE_VALUE_OPTIONS.has(a.split('=')[0]!) || /^[-/]p(roperty)?:/i.test(a)) words.push(i);
        else if (!a.startsWith('-') && !project) {
          project = true;
          words.push(i);
        }
      }
      return words;
    },
  },
];
