// Maven, as `mvn` or its wrapper `mvnw`: every build resolves dependencies into the local repository.
import { defineTool } from './tool.js';

export const maven = defineTool({
  id: 'maven',
  kind: 'language',
  commands: /^(mvn|mvnw)$/,
  valueOptions: new Set(['-s', '--settings', '-gs', '--global-settings', '-t', '--toolchains', '-gt', '--global-toolchains', '-P', '--activate-profiles', '-pl', '--projects', '-rf', '--resume-from', '-T', '--threads', '-l', '--log-file', '-b', '--builder', '-D', '--define', '-f', '--file']),
  installs: new Set(),
  cache: { targets: ['/root/.m2/repository'], heldBy: /(^|\/)\.m2(\/repository)?\/?$/, sharedWithLaterRuns: true },
  effects: { writes: ['.', '/root/.m2/repository'], reads: ['pom.xml', '.mvn', 'mvnw'] },
});
