/**
 * A package-lock.json for a scratch project that installs this package's tarball, built from this
 * repo's own lock: `npm ci --offline` then takes every tarball from npm's cache (filled by this
 * repo's `npm ci`) by its integrity. `npm install --offline` cannot: it needs the registry's
 * package documents, which `npm ci` never caches.
 */

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [field: string]: unknown;
}

/** The packed tarball as the scratch project's `file:` dependency. */
export interface PackedTarball {
  readonly name: string;
  readonly version: string;
  /** Its file name, in the scratch project's folder. */
  readonly filename: string;
  readonly integrity: string;
  /** The package's manifest (dependencies, peer dependencies). */
  readonly manifest: LockEntry;
}

/**
 * The lock of a project depending on `tarball` and on `userDependencies` (names at the versions
 * `repoLock` holds): every package reachable from them, placed where the repo's lock places it.
 */
export function consumerLock(
  repoLock: { packages: Record<string, LockEntry> },
  tarball: PackedTarball,
  userDependencies: readonly string[],
): { lock: unknown; dependencies: Record<string, string> } {
  const packages = repoLock.packages;
  const dependencies: Record<string, string> = { [tarball.name]: `file:${tarball.filename}` };
  for (const name of userDependencies) {
    const version = packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`${name} is not in this project's package-lock.json`);
    dependencies[name] = version;
  }

  const chosen = new Map<string, LockEntry>();
  const packagePath = `node_modules/${tarball.name}`;
  chosen.set(packagePath, {
    version: tarball.version,
    resolved: `file:${tarball.filename}`,
    integrity: tarball.integrity,
    ...pick(tarball.manifest, [
      'dependencies',
      'peerDependencies',
      'peerDependenciesMeta',
      'engines',
      'license',
    ]),
  });
  const visit = (from: string, wanted: Record<string, string> | undefined, optional: boolean) => {
    for (const name of Object.keys(wanted ?? {})) {
      const path = resolveIn((p) => chosen.has(p) || packages[p] !== undefined, from, name);
      if (!path) {
        if (optional) continue;
        throw new Error(`${name}, needed by ${from || 'the project'}, is not in this project's lock`);
      }
      if (chosen.has(path)) continue;
      const { dev: _dev, devOptional, peer: _peer, ...entry } = packages[path] as LockEntry;
      chosen.set(path, { ...entry, ...(devOptional ? { optional: true } : {}) });
      visit(path, entry.dependencies, false);
      visit(path, entry.optionalDependencies, true);
    }
  };
  visit('', dependencies, false);
  visit(packagePath, tarball.manifest.dependencies, false);

  const lock = {
    name: 'package-consumer',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'package-consumer', dependencies },
      ...Object.fromEntries([...chosen].sort(([a], [b]) => a.localeCompare(b))),
    },
  };
  return { lock, dependencies };
}

/** Where Node's resolution finds `name` from the package at `from` ('' = the project root). */
function resolveIn(exists: (path: string) => boolean, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (exists(candidate)) return candidate;
    if (dir === '') return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up === -1 ? '' : dir.slice(0, up);
  }
}

function pick(entry: LockEntry, fields: readonly string[]): LockEntry {
  return Object.fromEntries(fields.filter((f) => entry[f] !== undefined).map((f) => [f, entry[f]]));
}
