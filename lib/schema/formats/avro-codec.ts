import avro from 'avsc';
import { SchemaValidationError } from '../value-serializer.ts';
import { type SchemaCodec, ValueFormat } from './codec.ts';
import { jsonPointer, parseJsonInput } from './json-input.ts';
import { SchemaDefinitionError } from './schema-definition-error.ts';

/**
 * An Avro codec (avsc) taking the plain JSON a webhook sender writes, not Avro's JSON encoding:
 * - a record is an object; a field with a default may be left out; a field the schema does not
 *   declare is refused (Avro would drop it silently);
 * - a union takes the plain value when its branches cannot be confused (`["null","string"]` takes
 *   `null` or `"x"`); a union avsc cannot tell apart by the value alone (`["int","long"]`, two
 *   records) takes Avro's wrapped form `{"long": 5}`;
 * - `bytes` and `fixed` take a string of code points 0-255, as Avro's JSON encoding writes them;
 * - logical types take their underlying type's value (`timestamp-millis`: a number).
 * Integers past 2^53 cannot be a `long` exactly once JSON parsing has rounded them: refused.
 */
export function createAvroCodec(definition: string): SchemaCodec {
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(JSON.parse(definition), { wrapUnions: 'auto' });
  } catch (error) {
    throw new SchemaDefinitionError(`the Avro schema does not parse: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    format: ValueFormat.Avro,
    encode(json) {
      const value = withAvroJsonBytes(type, parseJsonInput(json));
      checkAvroValue(type, value);
      return type.toBuffer(value);
    },
  };
}

function checkAvroValue(type: avro.Type, value: unknown): void {
  let first: { path: string[]; value: unknown; type: avro.Type } | undefined;
  const valid = type.isValid(value, {
    noUndeclaredFields: true,
    errorHook(path, invalid, invalidType) {
      first ??= { path, value: invalid, type: invalidType };
    },
  });
  if (valid) return;
  if (!first) throw new SchemaValidationError('the value does not match the Avro schema', '');
  const undeclared = undeclaredField(first.type, first.value);
  const path = undeclared === undefined ? first.path : [...first.path, undeclared];
  const pointer = jsonPointer(path);
  const what =
    undeclared !== undefined
      ? `${first.type.name} has no field "${undeclared}"`
      : `expected ${describeType(first.type)}, got ${describeValue(first.value)}`;
  throw new SchemaValidationError(`${pointer || 'the value'}: ${what}`, pointer);
}

/** avsc reports an undeclared field at its record; name the field itself. */
function undeclaredField(type: avro.Type, value: unknown): string | undefined {
  if (!(type instanceof avro.types.RecordType) || typeof value !== 'object' || value === null)
    return undefined;
  if (Array.isArray(value)) return undefined;
  const declared = new Set(type.fields.map((field) => field.name));
  return Object.keys(value).find((key) => !declared.has(key));
}

function describeType(type: avro.Type): string {
  if (type instanceof avro.types.RecordType) return `a record ${type.name}`;
  if (type instanceof avro.types.EnumType) return `one of ${type.symbols.map((s) => `"${s}"`).join(', ')}`;
  if (type instanceof avro.types.WrappedUnionType) {
    return `a value wrapped as {"<branch>": value} for union ${JSON.stringify(type.schema())}`;
  }
  if (type instanceof avro.types.UnwrappedUnionType) return `one of ${JSON.stringify(type.schema())}`;
  return `${type.typeName}${type.name ? ` ${type.name}` : ''}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (a field without a default must be given)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
    return `${value} (past 2^53: JSON parsing rounded it)`;
  }
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Copies `value` with every `bytes` or `fixed` position holding a string turned into the bytes of
 * its code points (Avro's JSON encoding), so avsc checks and writes them. Anything it does not
 * recognise is left for the check to report.
 */
function withAvroJsonBytes(type: avro.Type, value: unknown): unknown {
  if (type instanceof avro.types.BytesType || type instanceof avro.types.FixedType) {
    return typeof value === 'string' && isLatin1(value) ? Buffer.from(value, 'latin1') : value;
  }
  if (type instanceof avro.types.LogicalType) return withAvroJsonBytes(type.underlyingType, value);
  if (!hasBytes(type)) return value;
  if (type instanceof avro.types.UnwrappedUnionType) {
    const branch = type.types.find((t) => t.isValid(withAvroJsonBytes(t, value)));
    return branch ? withAvroJsonBytes(branch, value) : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (type instanceof avro.types.RecordType && !Array.isArray(value)) {
    const copy: Record<string, unknown> = { ...value };
    for (const field of type.fields) {
      if (Object.hasOwn(copy, field.name)) copy[field.name] = withAvroJsonBytes(field.type, copy[field.name]);
    }
    return copy;
  }
  if (type instanceof avro.types.ArrayType && Array.isArray(value)) {
    return value.map((item) => withAvroJsonBytes(type.itemsType, item));
  }
  if (type instanceof avro.types.MapType && !Array.isArray(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withAvroJsonBytes(type.valuesType, item)]),
    );
  }
  if (type instanceof avro.types.WrappedUnionType && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [branchName, branchValue] = entries[0] ?? [];
    const branch = type.types.find((t) => (t.branchName ?? t.typeName) === branchName);
    return entries.length === 1 && branch
      ? { [branchName as string]: withAvroJsonBytes(branch, branchValue) }
      : value;
  }
  return value;
}

const hasBytesCache = new WeakMap<avro.Type, boolean>();

/** Whether a bytes or fixed type is reachable from `type` (most schemas have none: skip the copy). */
function hasBytes(type: avro.Type): boolean {
  let found = hasBytesCache.get(type);
  if (found === undefined) {
    // Only a whole walk's answer is cached: inside a recursive schema, a type met again while its
    // walk is under way answers false for now, which is right for the walk, not for that type.
    found = reachesBytes(type, new Set());
    hasBytesCache.set(type, found);
  }
  return found;
}

function reachesBytes(type: avro.Type, seen: Set<avro.Type>): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  if (type instanceof avro.types.BytesType || type instanceof avro.types.FixedType) return true;
  if (type instanceof avro.types.LogicalType) return reachesBytes(type.underlyingType, seen);
  if (type instanceof avro.types.RecordType) return type.fields.some((f) => reachesBytes(f.type, seen));
  if (type instanceof avro.types.ArrayType) return reachesBytes(type.itemsType, seen);
  if (type instanceof avro.types.MapType) return reachesBytes(type.valuesType, seen);
  if (type instanceof avro.types.WrappedUnionType || type instanceof avro.types.UnwrappedUnionType) {
    return type.types.some((t) => reachesBytes(t, seen));
  }
  return false;
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}
