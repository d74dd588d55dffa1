// Atomic in-place writes: a temp file in the same folder, fsync, then rename over the original. A reader (or a
// crash) sees the old file or the new one, never a torn one.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const TEMP_MARKER = '.dockmod-tmp-';

/**
 * Replaces `file` with `text`. `expected` is the content it had when read: if the file changed on disk since,
 * nothing is written and an error says so. A symlink is followed: its target is rewritten, the link kept.
 */
export function writeFileAtomic(file: string, text: string, expected?: { text: string; stat: fs.Stats }): void {
  const target = fs.existsSync(file) ? fs.realpathSync(file) : file;
  let mode = 0o644;
  if (expected) {
    const now = fs.statSync(target);
    if (now.mtimeMs !== expected.stat.mtimeMs || now.size !== expected.stat.size || fs.readFileSync(target, 'utf8') !== expected.text) {
      throw new Error('changed on disk since it was read; not overwritten');
    }
    mode = now.mode & 0o7777;
  } else if (fs.existsSync(target)) {
    mode = fs.statSync(target).mode & 0o7777;
  }
  if (fs.existsSync(target)) fs.accessSync(target, fs.constants.W_OK);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = fs.openSync(temp, 'wx', mode);
  try {
    fs.writeFileSync(fd, text);
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
