import type { AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import { SchemaValidationError } from '../value-serializer.ts';
import { type SchemaCodec, ValueFormat } from './codec.ts';
import { jsonPointer, parseJsonInput } from './json-input.ts';
import { SchemaDefinitionError } from './schema-definition-error.ts';

/**
 * A JSON Schema codec (Ajv, formats checked with ajv-formats). The payload is the value's own JSON
 * text, validated: nothing is re-serialized, so numbers past 2^53 and key order reach the consumer
 * as the sender wrote them. The draft is the schema's `$schema`; without one, draft-07, as
 * Confluent's JSON Schema provider assumes. Drafts 04, 06, 07, 2019-09 and 2020-12 are known (the
 * ones Confluent supports); only the Ajv class a schema needs is loaded.
 */
export async function createJsonSchemaCodec(definition: string): Promise<SchemaCodec> {
  let schema: AnySchema;
  try {
    schema = JSON.parse(definition) as AnySchema;
  } catch (error) {
    throw new SchemaDefinitionError(`the JSON Schema is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const validate = await compile(schema);
  return {
    format: ValueFormat.JsonSchema,
    encode(json) {
      const value = parseJsonInput(json);
      if (!validate(value)) throw validationError(validate.errors?.[0]);
      return Buffer.from(json, 'utf8');
    },
  };
}

type Draft = '04' | '06' | '07' | '2019-09' | '2020-12';

const DRAFTS: Record<string, Draft> = {
  'http://json-schema.org/draft-04/schema': '04',
  'http://json-schema.org/draft-06/schema': '06',
  'http://json-schema.org/draft-07/schema': '07',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};

/** The draft a schema's `$schema` names (trailing `#` and http/https aside). */
export function jsonSchemaDraft(schema: AnySchema): Draft {
  const declared =
    typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (declared === undefined) return '07';
  const key = String(declared).replace(/#$/, '');
  const draft =
    DRAFTS[key] ?? DRAFTS[key.replace(/^https?:/, 'http:')] ?? DRAFTS[key.replace(/^https?:/, 'https:')];
  if (!draft) throw new SchemaDefinitionError(`JSON Schema dialect ${String(declared)} is not supported`);
  return draft;
}

interface AjvLike {
  compile(schema: AnySchema): ValidateFunction;
  addMetaSchema(schema: AnySchema): unknown;
}
type AjvClass = new (options: Record<string, unknown>) => AjvLike;

async function compile(schema: AnySchema): Promise<ValidateFunction> {
  const draft = jsonSchemaDraft(schema);
  const ajv = new (await ajvClass(draft))({
    // Registry schemas carry keywords of their own (Confluent's `confluent:tags`, `connect.*`):
    // unknown keywords are annotations, as the drafts say, not errors.
    strict: false,
    allowUnionTypes: true,
  });
  if (draft === '06') {
    const metaSchema = await import('ajv/dist/refs/json-schema-draft-06.json', { with: { type: 'json' } });
    ajv.addMetaSchema(metaSchema.default as AnySchema);
  }
  const addFormats = defaultExport((await import('ajv-formats')).default);
  (addFormats as unknown as (ajv: AjvLike) => unknown)(ajv);
  try {
    return ajv.compile(schema);
  } catch (error) {
    throw new SchemaDefinitionError(`the JSON Schema does not compile: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function ajvClass(draft: Draft): Promise<AjvClass> {
  switch (draft) {
    case '04':
      return defaultExport((await import('ajv-draft-04')).default) as unknown as AjvClass;
    case '2019-09':
      return defaultExport((await import('ajv/dist/2019.js')).default) as unknown as AjvClass;
    case '2020-12':
      return defaultExport((await import('ajv/dist/2020.js')).default) as unknown as AjvClass;
    default:
      return defaultExport((await import('ajv')).default) as unknown as AjvClass;
  }
}

/** Ajv's packages are CommonJS with `exports.default`: under ESM the class is one level down. */
function defaultExport<T>(module: T | { default: T }): T {
  return typeof module === 'object' && module !== null && 'default' in module
    ? module.default
    : (module as T);
}

/** The first failure as a SchemaValidationError whose pointer names the failing field itself. */
function validationError(error: ErrorObject | undefined): SchemaValidationError {
  if (!error) return new SchemaValidationError('the value does not match the JSON Schema', '');
  const params = error.params as Record<string, unknown>;
  const child = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  const pointer =
    typeof child === 'string' ? `${error.instancePath}${jsonPointer([child])}` : error.instancePath;
  const message =
    error.keyword === 'required' || error.keyword === 'dependentRequired'
      ? 'is required'
      : error.keyword === 'additionalProperties' || error.keyword === 'unevaluatedProperties'
        ? `is not allowed (${error.keyword})`
        : (error.message ?? `fails ${error.keyword}`);
  return new SchemaValidationError(`${pointer || 'the value'}: ${message}`, pointer);
}
