/**
 * A decoder that follows bakdata's kafka-large-message-serde rules for a value
 * (`LargeMessageRetrievingClient.retrieveBytes(data, headers, isKey=false)` with the default
 * `large.message.accept.no.headers=false`), written from its source to check our records
 * against the reader consumers run:
 *
 * - the header protocol applies when the record has a `__large.message.backed.value` header,
 *   else the byte-flag protocol (first byte is the flag, the rest the payload);
 * - a flag (the header's first byte, or that first byte) is `0` (inline) or `1` (backed); any
 *   other byte is a SerializationException;
 * - a backed payload is a UTF-8 URI; the bucket is its host, the key its path without the
 *   leading `/` (`BlobStorageURI`);
 * - a compression header (`__large.message.backed.compression`) would change how the object is read.
 */
export type Decoded = { inline: Buffer } | { bucket: string; key: string };

export interface RecordHeader {
  name: string;
  value: Buffer;
}

export function decodeLargeMessageValue(data: Buffer, headers: readonly RecordHeader[]): Decoded {
  const last = (name: string) => headers.filter((h) => h.name === name).at(-1)?.value;
  if (
    last('__large.message.backed.compression') !== undefined ||
    last('__large.message.backed..compression')
  ) {
    throw new Error('compressed payloads are not expected');
  }
  const header = last('__large.message.backed.value');
  const [flag, payload] = header === undefined ? [data[0], data.subarray(1)] : [header[0], data];
  if (flag !== 0 && flag !== 1) throw new Error('Message can only be marked as backed or non-backed');
  if (flag === 0) return { inline: Buffer.from(payload) };
  const uri = new URL(payload.toString('utf8'));
  if (uri.protocol !== 's3:') throw new Error(`no client for scheme ${uri.protocol}`);
  return { bucket: uri.host, key: decodeURIComponent(uri.pathname).replace(/^\//, '') };
}
