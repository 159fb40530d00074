/**
 * The structural schemas of the Gateway API kinds, read from the type declarations that
 * `@kubernetes-models/gateway-api` generates from the upstream Go types (the source the CRDs are generated
 * from too). They give the field tree for strict field validation, OpenAPI and server-side apply; the value
 * constraints (patterns, enums, ranges, required fields) come from the same package's compiled validators
 * (gateway-api-validation.ts). Read once per process with the TypeScript compiler (~0.3 s).
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import {
  anyValue,
  bool,
  int,
  keyedList,
  list,
  mapOf,
  obj,
  objectMeta,
  oneOf,
  str,
  time,
  type Schema,
} from './schema.js';

/** The Gateway API kinds the sandbox serves, by their declaration module name. */
export type GatewayApiKind = 'Gateway' | 'GatewayClass' | 'HTTPRoute' | 'ReferenceGrant' | 'ListenerSet';

const KINDS: readonly GatewayApiKind[] = [
  'Gateway',
  'GatewayClass',
  'HTTPRoute',
  'ReferenceGrant',
  'ListenerSet',
];

/**
 * Lists the upstream CRDs declare `x-kubernetes-list-type: map` (the Go `+listType=map` markers, which the
 * generated declarations do not carry), by the path of field names from the object's root. Every other
 * list is atomic, as in the CRDs.
 */
const MAP_LISTS: ReadonlyMap<string, readonly [string, ...string[]]> = new Map([
  ['spec.listeners', ['name']],
  ['status.listeners', ['name']],
  ['status.conditions', ['type']],
  ['status.listeners.conditions', ['type']],
  ['status.parents.conditions', ['type']],
]);

/** Keyword types; `number` is an integer: the Gateway API has int32/int64 fields only. */
const KEYWORDS: ReadonlyMap<ts.SyntaxKind, Schema> = new Map([
  [ts.SyntaxKind.StringKeyword, str],
  [ts.SyntaxKind.NumberKeyword, int],
  [ts.SyntaxKind.BooleanKeyword, bool],
  [ts.SyntaxKind.AnyKeyword, anyValue],
  [ts.SyntaxKind.UnknownKeyword, anyValue],
]);

/** The declaration file of a kind's module, found through the package's export map. */
function declarationFile(kind: GatewayApiKind): string {
  const url = import.meta.resolve(`@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/${kind}`);
  return fileURLToPath(url).replace(/\.js$/, '.d.ts');
}

class StructureReader {
  private readonly checker: ts.TypeChecker;

  constructor(private readonly program: ts.Program) {
    this.checker = program.getTypeChecker();
  }

  /** The schema of `I<Kind>`, the interface of a kind's module. */
  kind(kind: GatewayApiKind): Schema {
    const file = this.program.getSourceFile(declarationFile(kind));
    const moduleSymbol = file === undefined ? undefined : this.checker.getSymbolAtLocation(file);
    const symbol =
      moduleSymbol === undefined
        ? undefined
        : this.checker.getExportsOfModule(moduleSymbol).find((s) => s.name === `I${kind}`);
    if (symbol?.declarations?.some(ts.isInterfaceDeclaration) !== true) {
      throw new Error(
        `@kubernetes-models/gateway-api declares no interface I${kind}: the package changed shape`,
      );
    }
    const root = this.members(symbol, []);
    if (root.type !== 'object') return root;
    // metadata is the apiserver's ObjectMeta, with its own list semantics (finalizers, ownerReferences).
    return { ...root, properties: { ...root.properties, metadata: objectMeta } };
  }

  /** An interface's properties, its inherited ones included (Go's embedded structs become `extends`). */
  private members(symbol: ts.Symbol, path: readonly string[]): Schema {
    const properties: Record<string, Schema> = {};
    for (const property of this.checker.getPropertiesOfType(this.checker.getDeclaredTypeOfSymbol(symbol))) {
      const declaration = property.declarations?.find(ts.isPropertySignature);
      if (declaration?.type === undefined) continue;
      properties[property.name] = this.node(declaration.type, [...path, property.name], 0);
    }
    return obj(properties);
  }

  private literalMembers(members: ts.NodeArray<ts.TypeElement>, path: readonly string[]): Schema {
    const properties: Record<string, Schema> = {};
    for (const member of members) {
      if (!ts.isPropertySignature(member) || member.type === undefined) continue;
      if (!ts.isStringLiteral(member.name) && !ts.isIdentifier(member.name)) continue;
      properties[member.name.text] = this.node(member.type, [...path, member.name.text], 0);
    }
    return obj(properties);
  }

  private node(node: ts.TypeNode, path: readonly string[], depth: number): Schema {
    if (depth > 40) return anyValue;
    const keyword = KEYWORDS.get(node.kind);
    if (keyword !== undefined) return keyword;
    if (ts.isParenthesizedTypeNode(node)) return this.node(node.type, path, depth + 1);
    if (ts.isLiteralTypeNode(node)) return ts.isStringLiteral(node.literal) ? oneOf(node.literal.text) : int;
    if (ts.isUnionTypeNode(node)) return this.union(node, path, depth);
    if (ts.isArrayTypeNode(node)) return this.list(node.elementType, path, depth);
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      return index === undefined
        ? this.literalMembers(node.members, path)
        : mapOf(this.node(index.type, path, depth + 1));
    }
    if (ts.isTypeReferenceNode(node)) return this.reference(node, path, depth);
    return anyValue;
  }

  private union(node: ts.UnionTypeNode, path: readonly string[], depth: number): Schema {
    const literals = node.types.filter(ts.isLiteralTypeNode);
    if (literals.length === node.types.length) {
      const strings = literals.flatMap((l) => (ts.isStringLiteral(l.literal) ? [l.literal.text] : []));
      return strings.length === literals.length ? oneOf(...strings) : int;
    }
    const [only] = node.types.filter((t) => t.kind !== ts.SyntaxKind.NullKeyword && !ts.isLiteralTypeNode(t));
    return only === undefined ? anyValue : this.node(only, path, depth + 1);
  }

  private list(items: ts.TypeNode, path: readonly string[], depth: number): Schema {
    const item = this.node(items, path, depth + 1);
    const keys = MAP_LISTS.get(path.join('.'));
    return keys === undefined ? list(item) : keyedList(item, keys);
  }

  private reference(node: ts.TypeReferenceNode, path: readonly string[], depth: number): Schema {
    if (ts.isIdentifier(node.typeName) && node.typeName.text === 'Array') {
      const [items] = node.typeArguments ?? [];
      return items === undefined ? list(anyValue) : this.list(items, path, depth);
    }
    let symbol = this.checker.getSymbolAtLocation(node.typeName);
    if (symbol !== undefined && (symbol.flags & ts.SymbolFlags.Alias) !== 0) {
      symbol = this.checker.getAliasedSymbol(symbol);
    }
    // metav1.Time renders as an RFC 3339 string.
    if (symbol?.name === 'ITime') return time;
    for (const declaration of symbol?.declarations ?? []) {
      if (symbol !== undefined && ts.isInterfaceDeclaration(declaration)) return this.members(symbol, path);
      if (ts.isTypeAliasDeclaration(declaration)) return this.node(declaration.type, path, depth + 1);
    }
    return anyValue;
  }
}

let cached: ReadonlyMap<GatewayApiKind, Schema> | undefined;

/** The structural schema of every served Gateway API kind (computed on first use, then kept). */
export function gatewayApiStructures(): ReadonlyMap<GatewayApiKind, Schema> {
  if (cached !== undefined) return cached;
  const program = ts.createProgram(KINDS.map(declarationFile), {
    noLib: true,
    types: [],
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const reader = new StructureReader(program);
  cached = new Map(KINDS.map((kind) => [kind, reader.kind(kind)]));
  return cached;
}
