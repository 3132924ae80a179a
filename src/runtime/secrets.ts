import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { legacyPlatformPassword } from '../db/urls';

/** Passwords Sentinel generates for the services it runs itself, kept with their data. */
export interface LocalSecrets {
  pgSuperuserPassword: string;
  appDbPassword: string;
  /** The platform role's own secret: never derived from another, never given to API processes. */
  platformDbPassword: string;
  redisPassword: string;
}

/** Reads `<dataDir>/secrets.json`, creating it (mode 0600) on first use. */
export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    // A file from before the platform role had its own secret: its role still has the derived one.
    return {
      ...(stored as LocalSecrets),
      platformDbPassword:
        stored.platformDbPassword ?? legacyPlatformPassword(stored.appDbPassword ?? ''),
    };
  }
  const fresh: LocalSecrets = {
    pgSuperuserPassword: randomSecret(),
    appDbPassword: randomSecret(),
    platformDbPassword: randomSecret(),
    redisPassword: randomSecret(),
  };
  fs.mkdirSync(dataDir, { recursive: true });
  // 'wx' fails if another process created it meanwhile; then its copy wins.
  try {
    fs.writeFileSync(file, JSON.stringify(fresh, null, 2), { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadLocalSecrets(dataDir);
    throw err;
  }
}

function randomSecret(): string {
  return crypto.randomBytes(24).toString('base64url');
}
