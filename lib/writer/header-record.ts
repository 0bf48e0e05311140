/**
 * Builds header records: objects that inherit nothing, so any header name is an own property,
 * `__proto__` and `constructor` included (SQS and SNS allow both as attribute names), as with
 * `Object.create(null)`. Unlike `Object.create(null)`, which V8 keeps in dictionary mode (a hash
 * table of ~290 bytes for five headers), these are ordinary objects with their own hidden class
 * (~70 bytes): a 10,000-record SQS batch holds two header records per record, one mapped and one
 * resolved, until it is written.
 */
const HeaderRecord = function HeaderRecord() {} as unknown as new () => object;
// The prototype every header record shares: empty, itself without a prototype, and frozen.
HeaderRecord.prototype = Object.freeze(Object.create(null));

/** A new, empty header record (see HeaderRecord). */
export function emptyHeaderRecord<V>(): Record<string, V> {
  return new HeaderRecord() as Record<string, V>;
}
