/** The viewer's root: a local directory (symlink-safe) or an S3 prefix (through storage). */
import type { Storage } from '../../storage';
import { uriScheme, parseUri } from '../../storage';
import { openLocalSource } from './local';
import { openStorageSource } from './storage';
import type { ContentSource } from './types';

export type { ContentSource, Entry, EntryKind } from './types';
export { isHiddenName } from './types';

export async function openContentSource(
  rootUri: string,
  storage: Storage,
  options: { allowMissing?: boolean } = {},
): Promise<ContentSource> {
  if (uriScheme(rootUri) === 'file') {
    const parsed = parseUri(rootUri);
    return openLocalSource(parsed.scheme === 'file' ? parsed.path : rootUri, options);
  }
  return openStorageSource(rootUri, storage);
}
