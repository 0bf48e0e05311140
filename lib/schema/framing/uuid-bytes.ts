const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID's 16 bytes, most significant first: what Java's `putLong(getMostSignificantBits())` then
 * `putLong(getLeastSignificantBits())` writes, i.e. the hex digits of the text form in order.
 */
export function uuidBytes(uuid: string): Buffer {
  if (!UUID.test(uuid)) throw new RangeError(`not a UUID: ${JSON.stringify(uuid)}`);
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}
