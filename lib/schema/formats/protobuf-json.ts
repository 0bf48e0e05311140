import protobuf from 'protobufjs';
import { SchemaValidationError } from '../value-serializer.ts';
import { jsonPointer } from './json-input.ts';

/**
 * Where a value sits, as a chain up to the root (undefined): one small node per field visited, and
 * the pointer is spelled out only when a value fails.
 */
type Path = { up: Path; key: string | number } | undefined;

const at = (up: Path, key: string | number): Path => ({ up, key });

function tokensOf(path: Path): (string | number)[] {
  const tokens: (string | number)[] = [];
  for (let node = path; node; node = node.up) tokens.unshift(node.key);
  return tokens;
}

/**
 * Protobuf's JSON mapping (proto3 JSON, https://protobuf.dev/programming-guides/json/) from a
 * parsed JSON value to the plain object protobufjs encodes, checking every field on the way so a
 * mistake is named by its JSON pointer. protobufjs' own `fromObject` converts loosely (a string
 * where an int32 belongs becomes 0; an unknown field is dropped) and `verify` neither knows JSON
 * names nor gives pointers, so this module decides, and protobufjs only encodes.
 *
 * Accepted, as the mapping says: a field by its proto name or its JSON name (lowerCamelCase or
 * `json_name`); `null` for an absent field; 64-bit integers as numbers or decimal strings (the
 * exact way past 2^53); 32-bit integers and floats also as strings; `"NaN"`, `"Infinity"`,
 * `"-Infinity"`; bytes as base64 (standard or URL-safe); enums by name or number; map keys as
 * strings; google.protobuf.Timestamp as RFC 3339 text, Duration as `"1.5s"`, the wrapper types as
 * their plain value. Refused: a field the message does not declare (it would be dropped
 * silently), two members of one oneof, a missing proto2 `required` field, out-of-range numbers.
 */
export function protobufObjectFromJson(type: protobuf.Type, json: unknown): Record<string, unknown> {
  return messageFromJson(type, json, undefined);
}

function fail(path: Path, message: string): never {
  const pointer = jsonPointer(tokensOf(path));
  throw new SchemaValidationError(`${pointer || 'the value'}: ${message}`, pointer);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function messageFromJson(type: protobuf.Type, json: unknown, path: Path): Record<string, unknown> {
  const plan = planOf(type);
  if (plan.special) return plan.special(type, json, path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(path, `expected an object (message ${plan.name}), got ${describe(json)}`);
  }
  const out: Record<string, unknown> = {};
  let oneofMember: Map<string, string> | undefined;
  for (const key in json) {
    if (!Object.hasOwn(json, key)) continue;
    const value = (json as Record<string, unknown>)[key];
    const known = plan.byJsonKey.get(key);
    const fieldPath = at(path, key);
    if (!known) fail(fieldPath, `${plan.name} has no field "${key}"`);
    const { field } = known;
    if (Object.hasOwn(out, field.name)) fail(fieldPath, `field "${field.name}" is given twice`);
    if (value === null && !known.nullIsAValue) continue;
    if (known.oneof) {
      oneofMember ??= new Map();
      const other = oneofMember.get(known.oneof);
      if (other) fail(fieldPath, `"${key}" and "${other}" are both members of oneof ${known.oneof}`);
      oneofMember.set(known.oneof, key);
    }
    out[field.name] = fieldFromJson(field, value, fieldPath);
  }
  for (const field of plan.required) {
    if (!Object.hasOwn(out, field.name)) {
      fail(at(path, field.jsonName ?? field.name), `required field "${field.name}" is missing`);
    }
  }
  return out;
}

interface KnownField {
  field: protobuf.Field;
  /** google.protobuf.NullValue: JSON null is its value, not an absent field. */
  nullIsAValue: boolean;
  /** The oneof it belongs to, when that has other members. */
  oneof: string | undefined;
}

/** What reading one message type needs, worked out once: protobufjs computes fullName per read. */
interface MessagePlan {
  name: string;
  special: WellKnownReader | undefined;
  /** Both names a field answers to in JSON: the proto name and the JSON name. */
  byJsonKey: Map<string, KnownField>;
  required: protobuf.Field[];
}

const plans = new WeakMap<protobuf.Type, MessagePlan>();

function planOf(type: protobuf.Type): MessagePlan {
  let plan = plans.get(type);
  if (!plan) {
    const byJsonKey = new Map<string, KnownField>();
    for (const field of type.fieldsArray) {
      const known: KnownField = {
        field,
        nullIsAValue: isNullValueEnum(field),
        oneof: field.partOf && field.partOf.fieldsArray.length > 1 ? field.partOf.name : undefined,
      };
      byJsonKey.set(field.name, known);
      if (field.jsonName) byJsonKey.set(field.jsonName, known);
    }
    plan = {
      name: type.fullName.slice(1),
      special: WELL_KNOWN[type.fullName],
      byJsonKey,
      required: type.fieldsArray.filter((field) => field.required),
    };
    plans.set(type, plan);
  }
  return plan;
}

function isNullValueEnum(field: protobuf.Field): boolean {
  return field.resolvedType?.fullName === '.google.protobuf.NullValue';
}

function fieldFromJson(field: protobuf.Field, value: unknown, path: Path): unknown {
  if (field instanceof protobuf.MapField) {
    if (typeof value !== 'object' || Array.isArray(value))
      fail(path, `expected an object (map), got ${describe(value)}`);
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value as object)) {
      const entryPath = at(path, key);
      checkMapKey(field.keyType, key, entryPath);
      if (entry === null) fail(entryPath, 'a map value cannot be null');
      out[key] = singleFromJson(field, entry, entryPath);
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
    return value.map((element, index) => {
      const elementPath = at(path, index);
      if (element === null) fail(elementPath, 'an element of a repeated field cannot be null');
      return singleFromJson(field, element, elementPath);
    });
  }
  return singleFromJson(field, value, path);
}

function singleFromJson(field: protobuf.Field, value: unknown, path: Path): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageFromJson(resolved, value, path);
  if (resolved instanceof protobuf.Enum) return enumFromJson(resolved, value, path);
  return scalarFromJson(field.type, value, path);
}

function enumFromJson(enumType: protobuf.Enum, value: unknown, path: Path): number {
  if (enumType.fullName === '.google.protobuf.NullValue' && value === null) return 0;
  if (typeof value === 'string') {
    const number = enumType.values[value];
    if (number === undefined) fail(path, `"${value}" is not a value of enum ${enumType.fullName.slice(1)}`);
    return number;
  }
  if (typeof value === 'number' && Object.values(enumType.values).includes(value)) return value;
  fail(path, `expected a value of enum ${enumType.fullName.slice(1)}, got ${describe(value)}`);
}

const INT32 = { min: -0x8000_0000, max: 0x7fff_ffff };
const UINT32 = { min: 0, max: 0xffff_ffff };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };
const FLOAT_MAX = 3.4028234663852886e38;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function scalarFromJson(scalar: string, value: unknown, path: Path): unknown {
  switch (scalar) {
    case 'string':
      if (typeof value !== 'string') fail(path, `expected a string, got ${describe(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(path, `expected true or false, got ${describe(value)}`);
      return value;
    case 'bytes':
      if (typeof value !== 'string' || !(BASE64.test(value) || BASE64URL.test(value))) {
        fail(path, `expected base64 text (bytes), got ${describe(value)}`);
      }
      return Buffer.from(value, 'base64');
    case 'double':
    case 'float':
      return floatFromJson(scalar, value, path);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return int32FromJson(scalar, value, path, INT32);
    case 'uint32':
    case 'fixed32':
      return int32FromJson(scalar, value, path, UINT32);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return long(integerFromJson(scalar, value, path, INT64.min, INT64.max), false);
    case 'uint64':
    case 'fixed64':
      return long(integerFromJson(scalar, value, path, UINT64.min, UINT64.max), true);
    default:
      fail(path, `field type ${scalar} is not supported`);
  }
}

function floatFromJson(scalar: string, value: unknown, path: Path): number {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    number = Number(value);
  else fail(path, `expected a number (${scalar}), got ${describe(value)}`);
  if (scalar === 'float' && Math.abs(number) > FLOAT_MAX) fail(path, `${number} is out of range for a float`);
  return number;
}

/** A 32-bit integer: the common case (a JSON number in range) without BigInt. */
function int32FromJson(
  scalar: string,
  value: unknown,
  path: Path,
  range: { min: number; max: number },
): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max) {
    return value;
  }
  return Number(integerFromJson(scalar, value, path, range.min, range.max));
}

function integerFromJson(
  scalar: string,
  value: unknown,
  path: Path,
  min: number | bigint,
  max: number | bigint,
) {
  let integer: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) {
      fail(path, `${value} is past 2^53 and was rounded by JSON parsing: send it as a string (${scalar})`);
    }
    integer = BigInt(value);
  } else if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
    integer = BigInt(value);
  } else {
    fail(path, `expected an integer (${scalar}), got ${describe(value)}`);
  }
  if (integer < BigInt(min) || integer > BigInt(max)) fail(path, `${integer} is out of range for ${scalar}`);
  return integer;
}

/**
 * A 64-bit integer for protobufjs' writer: a number when it is exact, else its two 32-bit halves
 * (the `{low, high}` shape the writer takes, two's complement), so no Long library is needed.
 */
function long(value: bigint, unsigned: boolean): number | { low: number; high: number; unsigned: boolean } {
  if (value >= MIN_SAFE && value <= MAX_SAFE) return Number(value);
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & 0xffff_ffffn), high: Number(bits >> 32n), unsigned };
}

function checkMapKey(keyType: string, key: string, path: Path): void {
  switch (keyType) {
    case 'string':
      return;
    case 'bool':
      if (key !== 'true' && key !== 'false') fail(path, `map key "${key}" is not true or false`);
      return;
    default:
      scalarFromJson(keyType, key, path);
  }
}

/** The well-known types whose JSON form is not an object of their fields. */
type WellKnownReader = (type: protobuf.Type, json: unknown, path: Path) => Record<string, unknown>;

const WELL_KNOWN: Record<string, WellKnownReader> = {
  '.google.protobuf.Timestamp': (_type, json, path) => timestampFromJson(json, path),
  '.google.protobuf.Duration': (_type, json, path) => durationFromJson(json, path),
  ...Object.fromEntries(
    ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((name) => [
      `.google.protobuf.${name}Value`,
      (type: protobuf.Type, json: unknown, path: Path) => {
        const field = type.fields.value as protobuf.Field;
        return { value: scalarFromJson(field.type, json, path) };
      },
    ]),
  ),
};

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const TIMESTAMP_MIN_SECONDS = -62_135_596_800; // 0001-01-01T00:00:00Z
const TIMESTAMP_MAX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z

function timestampFromJson(json: unknown, path: Path): Record<string, unknown> {
  const match = typeof json === 'string' ? RFC3339.exec(json) : null;
  const millis = match ? Date.parse(`${json}`.replace(/\.\d+/, '')) : Number.NaN;
  if (!match || Number.isNaN(millis)) fail(path, `expected an RFC 3339 timestamp, got ${describe(json)}`);
  const seconds = Math.floor(millis / 1000);
  if (seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS)
    fail(path, 'timestamp out of range');
  const nanos = Number((match[7] ?? '').padEnd(9, '0'));
  return { seconds, nanos };
}

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const DURATION_MAX_SECONDS = 315_576_000_000;

function durationFromJson(json: unknown, path: Path): Record<string, unknown> {
  const match = typeof json === 'string' ? DURATION.exec(json) : null;
  if (!match) fail(path, `expected a duration like "1.5s", got ${describe(json)}`);
  const sign = match[1] ? -1 : 1;
  const seconds = Number(match[2]);
  if (seconds > DURATION_MAX_SECONDS) fail(path, 'duration out of range');
  const nanos = Number((match[3] ?? '').padEnd(9, '0'));
  return { seconds: sign * seconds, nanos: sign * nanos };
}
