/**
 * Progress of an NDJSON object, kept as tags on the object itself.
 *
 * Why tags and not a state object beside the data:
 * - The mark travels with the object and ends with it: S3 drops an object's tags when the key is
 *   overwritten, so new content is never taken for done or resumed at an old byte offset. (The
 *   position also names the ETag it belongs to, which covers a tag write racing an overwrite.)
 * - Operators see and change it where they look at the object (console, `get-object-tagging`):
 *   clearing a failure is deleting one tag, skipping an object is setting one.
 * - Lifecycle rules filter on tags, so done objects can expire or move to cheaper storage with
 *   `kafka-bridge-status=done`, which keeps the prefix (and each run's listing) short.
 * - Nothing new appears under a folder prefix (the run lease lies beside it, run-lease.ts), so S3
 *   event notifications, replication or other readers of the prefix never see bookkeeping objects.
 * The price: one GetObjectTagging per listed object per run, and the bridge's three tags count
 * against S3's ten per object (an object with more than seven tags of its own is skipped, loudly).
 */

/** The tags the bridge owns on an object. */
export const PROGRESS_TAGS = {
  /** `in-progress`, `done` or `failed`. */
  status: 'kafka-bridge-status',
  /** `offset=<next byte> line=<lines consumed> etag=<the object's ETag>`. */
  position: 'kafka-bridge-position',
  /** Why an object failed, e.g. `line 42 is not JSON`. */
  error: 'kafka-bridge-error',
} as const;

/** Values of the status tag. */
export const ObjectStatus = {
  InProgress: 'in-progress',
  Done: 'done',
  Failed: 'failed',
} as const;
export type ObjectStatus = (typeof ObjectStatus)[keyof typeof ObjectStatus];

/** S3 allows at most this many tags on an object. */
export const MAX_OBJECT_TAGS = 10;

/** A tag as the S3 API carries it. */
export interface S3Tag {
  Key: string;
  Value: string;
}

/** A saved position: the next unread byte, the lines consumed before it, and whose content. */
export interface SavedPosition {
  offset: number;
  line: number;
  etag: string;
}

/** What the tags say about an object, judged against its current ETag. */
export type ObjectProgress =
  /** Never started, or the saved progress belongs to older content (`stale`): read from byte 0. */
  | { state: 'new'; stale: boolean }
  | { state: 'in-progress'; position: SavedPosition }
  | { state: 'done' }
  | { state: 'failed'; position: SavedPosition | undefined; error: string | undefined }
  /** Tags the bridge cannot read (edited by hand?): skipped until an operator fixes them. */
  | { state: 'unreadable'; detail: string };

/** Reads an object's progress from its tags; `etag` is the object's current ETag. */
export function readProgress(tags: readonly S3Tag[], etag: string): ObjectProgress {
  const status = tagValue(tags, PROGRESS_TAGS.status)?.trim().toLowerCase();
  const positionText = tagValue(tags, PROGRESS_TAGS.position);
  const position = positionText === undefined ? undefined : parsePosition(positionText);
  if (positionText !== undefined && position === undefined) {
    return {
      state: 'unreadable',
      detail: `${PROGRESS_TAGS.position}="${positionText}" is not offset=N line=N etag=X`,
    };
  }
  if (position && position.etag !== normalizeEtag(etag)) return { state: 'new', stale: true };
  switch (status) {
    // A status without a position is an operator's word (e.g. done set by hand to skip an object).
    case ObjectStatus.Done:
      return { state: 'done' };
    case ObjectStatus.Failed:
      return { state: 'failed', position, error: tagValue(tags, PROGRESS_TAGS.error) };
    case undefined:
    case ObjectStatus.InProgress:
      return position ? { state: 'in-progress', position } : { state: 'new', stale: false };
    default:
      return {
        state: 'unreadable',
        detail: `${PROGRESS_TAGS.status}="${status}" is not in-progress, done or failed`,
      };
  }
}

/** The position tag's value. */
export function formatPosition(position: SavedPosition): string {
  return `offset=${position.offset} line=${position.line} etag=${normalizeEtag(position.etag)}`;
}

/** Parses a position tag's value; `undefined` when it is not one. */
export function parsePosition(text: string): SavedPosition | undefined {
  const match = /^\s*offset=(\d{1,15}) line=(\d{1,15}) etag=([0-9A-Za-z-]{1,128})\s*$/.exec(text);
  if (!match) return undefined;
  return { offset: Number(match[1]), line: Number(match[2]), etag: match[3] as string };
}

/** The tags that are not the bridge's: kept as they are whenever the bridge writes its own. */
export function foreignTags(tags: readonly S3Tag[]): S3Tag[] {
  const ours = new Set<string>(Object.values(PROGRESS_TAGS));
  return tags.filter((tag) => !ours.has(tag.Key));
}

/** The full tag set to write: the object's own tags plus the bridge's. */
export function progressTagSet(
  tags: readonly S3Tag[],
  update: { status: ObjectStatus; position: SavedPosition; error?: string },
): S3Tag[] {
  const set = [
    ...foreignTags(tags),
    { Key: PROGRESS_TAGS.status, Value: update.status },
    { Key: PROGRESS_TAGS.position, Value: formatPosition(update.position) },
  ];
  if (update.error !== undefined) set.push({ Key: PROGRESS_TAGS.error, Value: tagSafe(update.error) });
  return set;
}

/** An ETag without the quotes S3 puts around it (quotes are not allowed in tag values). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/"/g, '');
}

/** Text reduced to what S3 accepts in a tag value (letters, digits, spaces, `+ - = . _ : / @`). */
export function tagSafe(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\p{Zs}+\-=._:/@]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 256);
}

function tagValue(tags: readonly S3Tag[], key: string): string | undefined {
  return tags.find((tag) => tag.Key === key)?.Value;
}
