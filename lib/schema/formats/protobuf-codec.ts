import protobuf from 'protobufjs';
import { type CodecOptions, type SchemaCodec, ValueFormat } from './codec.ts';
import { parseJsonInput } from './json-input.ts';
import { protobufObjectFromJson } from './protobuf-json.ts';
import { SchemaDefinitionError } from './schema-definition-error.ts';

/**
 * A Protobuf codec from the .proto text a registry holds (parsed at run time with protobufjs).
 * The message encoded is `messageName` (fully qualified) or else the file's first message, as
 * Confluent's serializers choose when none is named. Imports of Google's well-known types resolve
 * to protobufjs' copies; any other import would be a schema reference, which is not supported.
 */
export function createProtobufCodec(definition: string, options: CodecOptions = {}): SchemaCodec {
  const file = parseProtoFile(definition);
  const messageTypes = topLevelMessages(file);
  const message = options.messageName
    ? findMessage(file.root, options.messageName)
    : (messageTypes[0] ?? fail('the schema declares no message'));
  const messageIndexes = confluentMessageIndexes(messageTypes, message);
  const glueMessageIndex = glueMessageIndexOf(messageTypes, message);
  return {
    format: ValueFormat.Protobuf,
    messageIndexes,
    glueMessageIndex,
    encode(json) {
      const plain = protobufObjectFromJson(message, parseJsonInput(json, 'string'));
      return message.encode(plain).finish();
    },
  };
}

interface ProtoFile {
  root: protobuf.Root;
  /** The namespace the file's package declares (the root without one). */
  scope: protobuf.Namespace;
}

function parseProtoFile(definition: string): ProtoFile {
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(definition, new protobuf.Root(), { keepCase: true, alternateCommentMode: true });
  } catch (error) {
    fail(`the .proto schema does not parse: ${(error as Error).message}`, error);
  }
  for (const name of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
    const wellKnown = protobuf.common.get(name);
    if (!wellKnown) fail(`the schema imports "${name}": schema references are not supported`);
    parsed.root.addJSON(wellKnown.nested ?? {});
  }
  try {
    parsed.root.resolveAll();
  } catch (error) {
    fail(`the .proto schema does not resolve: ${(error as Error).message}`, error);
  }
  const scope = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root;
  if (!(scope instanceof protobuf.Namespace)) fail(`package ${parsed.package} is not a namespace`);
  return { root: parsed.root, scope };
}

/** The file's own top-level messages in declaration order (the well-known imports live elsewhere). */
function topLevelMessages(file: ProtoFile): protobuf.Type[] {
  return file.scope.nestedArray.filter(
    (nested): nested is protobuf.Type => nested instanceof protobuf.Type && !isWellKnown(nested),
  );
}

function isWellKnown(type: protobuf.Type): boolean {
  return type.fullName.startsWith('.google.protobuf.');
}

function findMessage(root: protobuf.Root, name: string): protobuf.Type {
  const found = root.lookup(name.replace(/^\./, ''));
  if (!(found instanceof protobuf.Type)) fail(`the schema has no message ${name}`);
  return found;
}

/**
 * Confluent's message indexes: the message's position among its parent's messages, from the
 * file's top level down (`[1, 0]`: the first message nested in the file's second).
 */
function confluentMessageIndexes(topLevel: readonly protobuf.Type[], message: protobuf.Type): number[] {
  const path: number[] = [];
  let current: protobuf.Type = message;
  for (;;) {
    const parent = current.parent;
    if (parent instanceof protobuf.Type) {
      path.unshift(nestedMessages(parent).indexOf(current));
      current = parent;
      continue;
    }
    const index = topLevel.indexOf(current);
    if (index < 0) fail(`message ${message.fullName.slice(1)} is not declared in this schema`);
    path.unshift(index);
    return path;
  }
}

function nestedMessages(type: protobuf.Type): protobuf.Type[] {
  return type.nestedArray.filter((nested): nested is protobuf.Type => nested instanceof protobuf.Type);
}

/**
 * Glue's message index (awslabs/aws-glue-schema-registry `MessageIndexFinder`): every message of
 * the file, nested ones included, sorted by full name; the index is the message's position.
 */
function glueMessageIndexOf(topLevel: readonly protobuf.Type[], message: protobuf.Type): number {
  const all: string[] = [];
  const queue = [...topLevel];
  for (let type = queue.shift(); type; type = queue.shift()) {
    all.push(type.fullName.slice(1));
    queue.push(...nestedMessages(type));
  }
  // Java's String.compareTo orders by UTF-16 code units, as `<` does (not localeCompare).
  all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return all.indexOf(message.fullName.slice(1));
}

function fail(message: string, cause?: unknown): never {
  throw new SchemaDefinitionError(message, { cause });
}
