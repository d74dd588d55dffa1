// The .NET CLI: restore, and the commands that restore as they build.
import { defineTool } from './tool.js';

export const dotnet = defineTool({
  id: 'dotnet',
  kind: 'language',
  commands: /^dotnet$/,
  valueOptions: new Set(['-c', '--configuration', '-o', '--output', '-r', '--runtime', '-a', '--arch', '--os', '-f', '--framework', '-p', '--property', '-v', '--verbosity', '-s', '--source', '--version-suffix', '--configfile', '--packages']),
  installs: new Set(['restore', 'build', 'publish', 'test', 'pack', 'run']),
  effects: { writes: ['./obj', './bin', '/root/.nuget/packages'], reads: ['*.csproj', '*.fsproj', '*.vbproj', '*.sln', 'nuget.config', 'global.json'] },
});
