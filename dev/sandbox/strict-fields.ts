/** Unknown-field detection for `fieldValidation=Strict|Warn`, against the kind's structural schema. */
import { isJsonObject, type JsonValue } from './json.js';
import { childSchema, itemSchema, type Schema } from './schema.js';

/** Paths (`spec.foo`, `spec.rules[0].bar`) of fields the schema does not know. */
export function unknownFields(value: JsonValue, schema: Schema | undefined, prefix = ''): string[] {
  if (schema === undefined) return [];
  if (isJsonObject(value) && schema.type === 'object') {
    if (schema.open === true || schema.additionalProperties !== undefined) {
      if (schema.properties === undefined || schema.additionalProperties !== undefined) {
        return Object.entries(value).flatMap(([k, v]) =>
          unknownFields(v, childSchema(schema, k), prefix === '' ? k : `${prefix}.${k}`),
        );
      }
    }
    const out: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      const child = childSchema(schema, k);
      if (child === undefined) {
        if (schema.open !== true) out.push(path);
        continue;
      }
      out.push(...unknownFields(v, child, path));
    }
    return out;
  }
  if (Array.isArray(value) && schema.type === 'array') {
    return value.flatMap((item, i) => unknownFields(item, itemSchema(schema), `${prefix}[${i}]`));
  }
  return [];
}
