// Reading a Dockerfile's bytes, from disk or from standard input, and refusing what cannot be one before it is read.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Larger files are refused rather than processed. The largest of 413 real Dockerfiles is 20 KB; the engine's
 * time grows faster than linearly with the number of instructions, and this keeps a pathological file to seconds.
 */
export const MAX_FILE_BYTES = 256 * 1024;

/** A file as the error lines show it, as run.ts does: relative to the working folder (`../dev/zero`). */
export const shownPath = (file: string, cwd: string): string => path.relative(cwd, path.resolve(cwd, file)) || file;

/** A problem with one input file; the run goes on with the others. */
export class InputError extends Error {
  constructor(readonly file: string, reason: string) {
    super(reason);
    this.name = 'InputError';
  }
}

export const tooLarge = (size: number): string => `${(size / 1024).toFixed(0)} KiB is over the ${MAX_FILE_BYTES / 1024} KiB size limit`;

/** What a --write checks before it overwrites a Dockerfile: it must still be the version that was read. */
export interface FileStamp {
  mtimeMs: number;
  size: number;
}

/** A Dockerfile's bytes, and the stamp of the file they were read from (undefined: from standard input). */
export interface DockerfileSource {
  file: string;
  bytes: Buffer;
  stat: FileStamp | undefined;
}

/** A Dockerfile given as text (standard input), named `file` for its messages, context and settings. */
export const textSource = (file: string, text: string): DockerfileSource => ({ file, bytes: Buffer.from(text, 'utf8'), stat: undefined });

const FILE_TYPES: [(s: fs.Stats) => boolean, string][] = [
  [(s) => s.isFIFO(), 'a named pipe'],
  [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isCharacterDevice() || s.isBlockDevice(), 'a device'],
];

/**
 * The bytes of a Dockerfile on disk and its stamp (mtime and size), or an InputError saying why not. Opened without blocking and
 * checked with fstat, so a named pipe or device called Dockerfile is refused instead of read forever.
 */
export function readDockerfile(file: string): DockerfileSource {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw new InputError(file, openFailure(file, error as NodeJS.ErrnoException));
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new InputError(file, 'is a directory');
    if (!stat.isFile()) throw new InputError(file, `not a regular file: ${FILE_TYPES.find(([is]) => is(stat))?.[1] ?? 'a special file'}`);
    if (stat.size > MAX_FILE_BYTES) throw new InputError(file, tooLarge(stat.size));
    return { file, bytes: fs.readFileSync(fd), stat: { mtimeMs: stat.mtimeMs, size: stat.size } };
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, `cannot be read: ${(error as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}

function openFailure(file: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOENT': {
      const link = fs.lstatSync(file, { throwIfNoEntry: false });
      return link?.isSymbolicLink() ? `broken symbolic link (points to ${fs.readlinkSync(file)}, which does not exist)` : 'no such file';
    }
    default:
      return `cannot be read: ${error.message}`;
  }
}
