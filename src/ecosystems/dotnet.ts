// .NET: `dotnet restore` needs only project files; build/publish/test restore as they go unless --no-restore.
import { basename, filesNamed, positionals, type Installer } from '../installs.js';

/** Every file a restore can read: solutions, projects, shared props/targets, NuGet and SDK settings. */
const PROJECT_FILE = /\.(sln|slnx|csproj|fsproj|vbproj|proj)$|^Directory\.(Build|Packages)\.(props|targets)$|^nuget\.config$|^global\.json$|^packages\.lock\.json$/i;
const RESTORING = new Set(['restore', 'build', 'publish', 'test', 'pack', 'run']);
const VALUE_OPTIONS = new Set(['-c', '--configuration', '-o', '--output', '-r', '--runtime', '-a', '--arch', '--os', '-f', '--framework', '-p', '--property', '-v', '--verbosity', '-s', '--source', '--version-suffix']);

export const dotnetInstallers: readonly Installer[] = [
  {
    tool: 'dotnet',
    ecosystem: 'dotnet',
    matches: (argv) => basename(argv[0]) === 'dotnet' && RESTORING.has(argv[1] ?? '') && !argv.includes('--no-restore'),
    manifests(argv, dir, context) {
      if (argv.some((a) => a === null)) return { refuse: '`dotnet` has arguments that depend on variables' };
      const files = filesNamed(context, dir, PROJECT_FILE).filter((f) => !f.split('/').some((p) => p === 'bin' || p === 'obj'));
      if (!files.some((f) => /\.(sln|slnx|[a-z]*proj)$/i.test(f))) return { refuse: 'no project or solution file in the build context' };
      // Restore writes obj/project.assets.json; a host obj/ or bin/ copied over it breaks the build.
      return { files, optional: [], shadowed: ['**/obj', '**/bin'] };
    },
    // Restore what the command builds: its project argument and runtime, without build-only options.
    prefetch(argv) {
      if (argv[1] === 'restore') return '';
      const project = positionals(argv.slice(2), VALUE_OPTIONS)[0];
      const runtime = argv.findIndex((a) => a === '-r' || a === '--runtime');
      return ['dotnet', 'restore', ...(project ? [project] : []), ...(runtime > 0 ? ['-r', argv[runtime + 1]!] : [])].join(' ');
    },
  },
];
