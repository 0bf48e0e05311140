import { MessageTooLargeError, WriteErrors } from '../writer/errors.ts';
import type { Message } from '../writer/message.ts';
import type { RecordMetadata } from '../writer/writer.ts';

/**
 * A message a stage before the Writer (schema encoding, the claim check) did not pass on, because
 * an earlier message failed there: writing it now would put it ahead of that message's retry in
 * its partition, which the Writer itself never does after a failed batch. Retriable; nothing of it
 * reached Kafka.
 */
export class HeldBackError extends Error {
  readonly retriable = true;
  readonly mayBeDelivered = false;

  constructor(
    message: string,
    /** The earlier failure that holds this message back. */
    readonly blockedBy: Error,
  ) {
    super(message, { cause: blockedBy });
    this.name = 'HeldBackError';
  }
}

/**
 * Writes what a stage prepared and answers for the caller's whole call, index-aligned: `prepared[i]`
 * is message i as it is to be written, or the error that keeps it from Kafka. The writable ones go
 * to `write` in one call; its results and failures are merged with the stage's, so a failure
 * rejects with WriteErrors as the Writer's own do and every trigger's failure path applies. A
 * MessageTooLargeError (nothing written) is re-raised naming the caller's messages, which the SQS
 * and scheduled handlers look up by identity.
 */
export async function writePrepared(
  originals: readonly Message[],
  prepared: readonly (Message | Error)[],
  write: (messages: readonly Message[]) => Promise<RecordMetadata[]>,
): Promise<RecordMetadata[]> {
  const errors: Array<Error | undefined> = prepared.map((p) => (p instanceof Error ? p : undefined));
  const writable = errors.flatMap((e, i) => (e === undefined ? [i] : []));
  const stageFailed = writable.length < prepared.length;
  const records: Array<RecordMetadata | undefined> = prepared.map(() => undefined);
  try {
    if (writable.length > 0) {
      const landed = await write(writable.map((i) => prepared[i] as Message));
      landed.forEach((record, j) => {
        records[writable[j] as number] = record;
      });
    }
  } catch (error) {
    if (error instanceof MessageTooLargeError) throw namingOriginals(error, prepared, originals);
    if (!(error instanceof WriteErrors)) {
      // A whole-call failure keeps its own type when the stage failed nothing.
      if (!stageFailed) throw error;
      for (const i of writable) errors[i] = error as Error;
    } else {
      error.errors.forEach((e, j) => {
        errors[writable[j] as number] = e;
        records[writable[j] as number] = error.records[j] as RecordMetadata | undefined;
      });
    }
  }
  if (errors.every((e) => e === undefined)) return records as RecordMetadata[];
  throw new WriteErrors(errors, records);
}

/** The same error, naming the caller's messages instead of the stage's copies. */
function namingOriginals(
  error: MessageTooLargeError,
  prepared: readonly (Message | Error)[],
  originals: readonly Message[],
): MessageTooLargeError {
  const byPrepared = new Map(prepared.map((m, i) => [m, originals[i] as Message]));
  const original = (m: Message) => byPrepared.get(m) ?? m;
  return new MessageTooLargeError(
    original(error.tooLarge),
    error.remaining.map(original),
    error.sizeBytes,
    error.limitBytes,
  );
}
