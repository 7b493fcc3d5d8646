// Keeps the embedded database's DATA_DIR private to its owner. PGlite writes its initial files 0666
// and folders 0755, and rewrites `pg_internal.init` 0644 at every start, whatever the umask.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const GROUP_OTHER = 0o077;

function modeOf(path: string): number {
  return lstatSync(path).mode & 0o777;
}

/**
 * Creates DATA_DIR with mode 0700, or narrows an existing one to 0700; throws when that is not
 * possible, so the database never starts in a folder other users can read.
 */
export function makeDataDirPrivate(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = modeOf(dataDir);
  if ((mode & GROUP_OTHER) === 0) return;
  try {
    chmodSync(dataDir, 0o700);
  } catch (err) {
    throw new Error(
      `DATA_DIR ${dataDir} is open to other users (mode ${mode.toString(8)}) and could not be made private (0700): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Removes group and other permissions from everything under DATA_DIR; symbolic links are not followed. */
export function restrictDataDirContents(dataDir: string): void {
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dataDir, entry.name);
    try {
      const mode = modeOf(path);
      if (mode & GROUP_OTHER) chmodSync(path, mode & ~GROUP_OTHER);
      if (entry.isDirectory()) restrictDataDirContents(path);
    } catch (err) {
      // PostgreSQL removes temporary files while it runs.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
