import { type OutputUnit, type Schema, type SchemaDraft, Validator } from '@cfworker/json-schema';
import { SchemaValidationError } from '../value-serializer.ts';
import { type SchemaCodec, ValueFormat } from './codec.ts';
import { parseJsonInput } from './json-input.ts';
import { SchemaDefinitionError } from './schema-definition-error.ts';

/**
 * A JSON Schema codec (@cfworker/json-schema, an interpreting validator with the formats built in).
 * Chosen over Ajv by measurement (bench/cold-start/schema-codecs.ts, docs/DESIGN-NOTES.md): Ajv
 * generates code per schema, which made loading it and compiling one schema cost about 25 times
 * as much at cold start, for a per-message speed a webhook does not need.
 *
 * The payload is the value's own JSON text, validated: nothing is re-serialized, so numbers past
 * 2^53 and key order reach the consumer as the sender wrote them. The draft is the schema's
 * `$schema`; without one, draft-07, as Confluent's JSON Schema provider assumes. Drafts 04, 06
 * (validated as 07, of which it is a subset), 07, 2019-09 and 2020-12: the ones Confluent supports.
 */
export async function createJsonSchemaCodec(definition: string): Promise<SchemaCodec> {
  let schema: Schema | boolean;
  try {
    schema = JSON.parse(definition) as Schema | boolean;
  } catch (error) {
    throw new SchemaDefinitionError(`the JSON Schema is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // shortCircuit: stop at the first failure; its chain of errors still leads to the failing field.
  const validator = new Validator(schema, jsonSchemaDraft(schema), true);
  return {
    format: ValueFormat.JsonSchema,
    encode(json) {
      const value = parseJsonInput(json);
      let result: ReturnType<Validator['validate']>;
      try {
        result = validator.validate(value);
      } catch (error) {
        // The validator resolves `$ref`s lazily: a dangling one surfaces at the first value.
        throw new SchemaDefinitionError(`the JSON Schema cannot be used: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (!result.valid) throw validationError(result.errors);
      return Buffer.from(json, 'utf8');
    },
  };
}

const DRAFTS: Record<string, SchemaDraft> = {
  'http://json-schema.org/draft-04/schema': '4',
  'http://json-schema.org/draft-06/schema': '7',
  'http://json-schema.org/draft-07/schema': '7',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};

/** The draft a schema's `$schema` names (a trailing `#`, and http against https, aside). */
export function jsonSchemaDraft(schema: Schema | boolean): SchemaDraft {
  const declared = typeof schema === 'object' ? schema.$schema : undefined;
  if (declared === undefined) return '7';
  const key = String(declared).replace(/#$/, '');
  const draft =
    DRAFTS[key] ?? DRAFTS[key.replace(/^https:/, 'http:')] ?? DRAFTS[key.replace(/^http:/, 'https:')];
  if (!draft) throw new SchemaDefinitionError(`JSON Schema dialect ${String(declared)} is not supported`);
  return draft;
}

const REQUIRED_PROPERTY = /required property "((?:[^"\\]|\\.)*)"/;

/**
 * The failure as a SchemaValidationError naming the failing field itself. The validator lists the
 * chain from the root down; the deepest location is the field (a `required` failure is reported
 * at the object, so the missing property's name is added).
 */
function validationError(errors: readonly OutputUnit[]): SchemaValidationError {
  const deepest = errors.reduce<OutputUnit | undefined>(
    (best, error) => (!best || depth(error) > depth(best) ? error : best),
    undefined,
  );
  if (!deepest) return new SchemaValidationError('the value does not match the JSON Schema', '');
  let pointer = pointerOf(deepest.instanceLocation);
  let message = deepest.error;
  const missing = deepest.keyword === 'required' ? REQUIRED_PROPERTY.exec(deepest.error) : null;
  if (missing?.[1] !== undefined) {
    const name = JSON.parse(`"${missing[1]}"`) as string;
    pointer += `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    message = 'is required';
  } else if (deepest.keyword === 'false') {
    message = 'is not allowed here (additionalProperties, unevaluatedProperties or a false schema)';
  }
  return new SchemaValidationError(`${pointer || 'the value'}: ${message}`, pointer);
}

/** `#/a%20b/0` (a URI fragment) -> `/a b/0` (a JSON pointer). */
function pointerOf(instanceLocation: string): string {
  return decodeURIComponent(instanceLocation.replace(/^#/, ''));
}

function depth(error: OutputUnit): number {
  return error.instanceLocation.split('/').length;
}
