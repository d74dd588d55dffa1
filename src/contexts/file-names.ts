// Which file names are Dockerfiles, and which are the compose and bake files that name their build contexts:
// discovery finds files by them, and a build context's Dockerfiles are told apart by them.

/**
 * `Dockerfile` or `Containerfile`, alone or with a variant after a `.`, `-` or `_` (`Dockerfile.prod`,
 * `Dockerfile-alpine`, `Dockerfile_dev`, `Containerfile.web`), and `<name>.Dockerfile` or `<name>.Containerfile`
 * (either with a lower-case first letter too). Renovate's and GitHub Linguist's Dockerfile names, told apart below.
 */
const DOCKERFILE_NAME = /^(?:(?:Dockerfile|Containerfile)(?:[._-].+)?|.+\.(?:[Dd]ockerfile|[Cc]ontainerfile))$/;
/**
 * Names of that shape that are no Dockerfile a build uses: ignore files (`Dockerfile.dockerignore`, Podman's
 * `.containerignore`); what editors leave (`Dockerfile~`, Emacs' `#Dockerfile#` and `.#Dockerfile`, Vim's swap
 * files `.swp`, `.swo`, ...); what patch and git leave (`.orig`, `.rej`); backups and temp files by their usual
 * suffixes (`.bak`, `.tmp`, a --write's `.dockmod-tmp-…`). A suffix a person chose (`Dockerfile.expected`,
 * `Dockerfile.old`) is a variant: `docker build -f` builds it.
 */
const LEFTOVER = /\.(?:docker|container)ignore$|~$|^\.?#|#$|\.(?:orig|rej|bak|tmp|sw[a-p])$|\.dockmod-tmp-/i;
/** git mergetool's copies beside the file in conflict: `Dockerfile_LOCAL_<pid>`, and BASE, REMOTE, BACKUP. */
const MERGETOOL_COPY = /_(?:BACKUP|BASE|LOCAL|REMOTE)_\d+/;
/** Files that name build contexts: Compose files and Buildx bake files. */
const BUILD_FILE_NAME = /^(compose(\.[\w-]+)?\.ya?ml|docker-compose([.-][\w.-]+)?\.ya?ml|docker-bake(\.[\w-]+)?\.(hcl|json))$/;

/**
 * Docker and BuildKit read `dockerfile` when asked for `Dockerfile` and the folder has none (moby/moby#10858;
 * BuildKit's dockerui follows both names): the name a build takes in a folder of these `names`, if any.
 */
export function lowercaseDefault(names: ReadonlySet<string> | readonly string[]): string | null {
  const has = (n: string) => (Array.isArray(names) ? names.includes(n) : (names as ReadonlySet<string>).has(n));
  return !has('Dockerfile') && has('dockerfile') ? 'dockerfile' : null;
}

export const isDockerfileName = (name: string): boolean => DOCKERFILE_NAME.test(name) && !LEFTOVER.test(name) && !MERGETOOL_COPY.test(name);
export const isBuildFileName = (name: string): boolean => BUILD_FILE_NAME.test(name);
