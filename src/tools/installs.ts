// The registry of dependency installs that read manifests from the build context: each ecosystem's installers
// (src/tools/ecosystems/, built on src/tools/ecosystems/installer.ts), and the files that locate each project.
import { nodeInstallers, nodePrimaryManifests } from './ecosystems/node.js';
import { pythonInstallers, pythonPrimaryManifests } from './ecosystems/python.js';
import { goInstallers, goPrimaryManifests } from './ecosystems/go.js';
import { jvmInstallers, jvmPrimaryManifests } from './ecosystems/jvm.js';
import { dotnetInstallers, dotnetPrimaryManifests } from './ecosystems/dotnet.js';
import { rubyInstallers, phpInstallers, elixirInstallers, rubyPrimaryManifests, phpPrimaryManifests, elixirPrimaryManifests } from './ecosystems/scripting.js';
import { rustInstallers, rustPrimaryManifests } from './ecosystems/rust.js';
import type { Argv, EcosystemId, InstallMatch, Installer } from './ecosystems/installer.js';

const INSTALLERS: readonly Installer[] = [
  ...nodeInstallers,
  ...pythonInstallers,
  ...goInstallers,
  ...jvmInstallers,
  ...dotnetInstallers,
  ...rubyInstallers,
  ...phpInstallers,
  ...elixirInstallers,
  ...rustInstallers,
];

/** The tools the installers run (`npm`, `poetry`), by the names they are shown with. */
export const INSTALLER_TOOLS: ReadonlySet<string> = new Set(INSTALLERS.map((i) => i.tool));

/** The dependency install (or dependency-fetching build) a command performs, if any. */
export function matchInstall(argv: Argv): InstallMatch | null {
  const installer = INSTALLERS.find((i) => i.matches(argv));
  return installer ? { installer, argv } : null;
}

/** Names (or globs) of the files that locate an install's project folder, by ecosystem. */
export const PRIMARY_MANIFESTS: Readonly<Record<EcosystemId, readonly string[]>> = {
  node: nodePrimaryManifests,
  python: pythonPrimaryManifests,
  go: goPrimaryManifests,
  jvm: jvmPrimaryManifests,
  dotnet: dotnetPrimaryManifests,
  ruby: rubyPrimaryManifests,
  php: phpPrimaryManifests,
  elixir: elixirPrimaryManifests,
  rust: rustPrimaryManifests,
};
