// Which file names are Dockerfiles, and which are the compose and bake files that name their build contexts:
// discovery finds files by them, and a build context's Dockerfiles are told apart by them.

/** `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`, `Containerfile` (and `Containerfile.*`). */
const DOCKERFILE_NAME = /^(Dockerfile(\..+)?|.+\.[Dd]ockerfile|Containerfile(\..+)?)$/;
/** Ignore files share the Dockerfile's name: `Dockerfile.dockerignore` is not a Dockerfile. */
const NOT_DOCKERFILE = /\.dockerignore$/;
/** Files that name build contexts: Compose files and Buildx bake files. */
const BUILD_FILE_NAME = /^(compose(\.[\w-]+)?\.ya?ml|docker-compose([.-][\w.-]+)?\.ya?ml|docker-bake(\.[\w-]+)?\.(hcl|json))$/;

/** A temp file of a --write (`.Dockerfile.dockmod-tmp-…`) is not a Dockerfile either. */
export const isDockerfileName = (name: string): boolean => DOCKERFILE_NAME.test(name) && !NOT_DOCKERFILE.test(name) && !name.includes('.dockmod-tmp-');
export const isBuildFileName = (name: string): boolean => BUILD_FILE_NAME.test(name);
