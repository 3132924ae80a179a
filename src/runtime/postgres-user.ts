import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../config/logger';

/** The uid/gid PostgreSQL runs as when Sentinel runs as root (PostgreSQL refuses root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Where, as root, PostgreSQL's binaries and cluster go when the `postgres` user cannot reach the
 * checkout (a clone under /root, or any 0700 parent): a directory that user can traverse.
 */
export const ROOT_RUNTIME_DIR = '/var/lib/sentinel';

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

/** The `postgres` system user, created when missing; undefined when not running as root. */
export function postgresRunAs(logger: Logger): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync('id', ['postgres'], { stdio: 'ignore' }).status !== 0) {
    logger.info('creating the postgres system user for the embedded PostgreSQL');
    execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
  }
  return { uid: idOf('-u'), gid: idOf('-g') };
}

/** True when `user` can reach (traverse to and open) every path given. */
export function reachableBy(user: RunAs, ...paths: string[]): boolean {
  const script = paths.map((_, i) => `test -x "$${i + 1}"`).join(' && ');
  return (
    spawnSync('/bin/sh', ['-c', script, 'sh', ...paths], {
      uid: user.uid,
      gid: user.gid,
      stdio: 'ignore',
    }).status === 0
  );
}

/**
 * The PostgreSQL bin directory the `postgres` user can execute. node_modules under a 0700 parent
 * is out of its reach, so the package's `native` tree (binaries plus the libraries they load
 * through a relative rpath) is copied once per version under ROOT_RUNTIME_DIR.
 */
export function runnableBinDir(binDir: string, user: RunAs | undefined): string {
  if (!user || reachableBy(user, path.join(binDir, 'postgres'))) return binDir;
  const nativeDir = path.dirname(binDir);
  const stamp = crypto.createHash('sha256').update(fs.realpathSync(nativeDir)).digest('hex');
  const target = path.join(ROOT_RUNTIME_DIR, `pg-bin-${stamp.slice(0, 12)}`);
  const done = path.join(target, '.complete');
  if (!fs.existsSync(done)) {
    fs.mkdirSync(ROOT_RUNTIME_DIR, { recursive: true, mode: 0o755 });
    fs.chmodSync(ROOT_RUNTIME_DIR, 0o755);
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(nativeDir, target, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(target, 0o755);
    fs.writeFileSync(done, '');
  }
  return path.join(target, 'bin');
}

/**
 * The directory the cluster lives in. Normally `<dataDir>/postgres`. As root, when `postgres`
 * cannot reach the data dir, the cluster is created under ROOT_RUNTIME_DIR (owned by `postgres`,
 * 0700) and `<dataDir>/postgres` becomes a symlink to it, so the data dir still names everything.
 */
export function clusterDir(dataDir: string, user: RunAs | undefined): string {
  const link = path.join(dataDir, 'postgres');
  fs.mkdirSync(dataDir, { recursive: true });
  if (fs.existsSync(link)) return fs.realpathSync(link);
  if (!user) return link;

  fs.mkdirSync(link, { mode: 0o700 });
  fs.chownSync(link, user.uid, user.gid);
  if (reachableBy(user, link)) return link;

  fs.rmdirSync(link);
  const id = crypto.createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex');
  const target = path.join(ROOT_RUNTIME_DIR, `cluster-${id.slice(0, 12)}`);
  fs.mkdirSync(ROOT_RUNTIME_DIR, { recursive: true, mode: 0o755 });
  fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  fs.chownSync(target, user.uid, user.gid);
  fs.symlinkSync(target, link);
  return target;
}
