#!/usr/bin/env python3
"""validate.py SCHEMA DOCUMENT

Validates a JSON document against a JSON Schema (draft 2020-12), for the
subset docs/gocore.schema.json uses: type (a name or a list), enum,
properties, required, additionalProperties (false or a schema), items,
pattern, minimum, oneOf and local $ref ("#/$defs/name").  Any other keyword
is an error, so the schema cannot silently use something unchecked.
Prints each violation with its JSON path; exit 0 valid, 1 invalid, 2 error.
"""
import json
import re
import sys

ANNOTATIONS = {'$schema', '$id', 'title', 'description', '$defs', '$comment'}
KNOWN = ANNOTATIONS | {'type', 'enum', 'properties', 'required', 'additionalProperties',
                       'items', 'pattern', 'minimum', 'oneOf', '$ref'}
TYPES = {
    'object': lambda v: isinstance(v, dict),
    'array': lambda v: isinstance(v, list),
    'string': lambda v: isinstance(v, str),
    'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
    'number': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    'boolean': lambda v: isinstance(v, bool),
    'null': lambda v: v is None,
}


class Validator:
    def __init__(self, root):
        self.root = root
        self.errors = []

    def resolve(self, ref):
        if not ref.startswith('#/'):
            raise ValueError('unsupported $ref %s' % ref)
        node = self.root
        for part in ref[2:].split('/'):
            node = node[part]
        return node

    def check(self, schema, value, path):
        """Appends errors; returns True when value is valid."""
        before = len(self.errors)
        unknown = set(schema) - KNOWN
        if unknown:
            raise ValueError('%s: unsupported schema keywords %s' % (path, sorted(unknown)))
        if '$ref' in schema:
            self.check(self.resolve(schema['$ref']), value, path)
        if 'type' in schema:
            types = schema['type'] if isinstance(schema['type'], list) else [schema['type']]
            if not any(TYPES[t](value) for t in types):
                self.errors.append('%s: %r is not of type %s' % (path, value, '/'.join(types)))
                return False
        if 'enum' in schema and value not in schema['enum']:
            self.errors.append('%s: %r not in %r' % (path, value, schema['enum']))
        if 'pattern' in schema and isinstance(value, str) and not re.search(schema['pattern'], value):
            self.errors.append('%s: %r does not match %s' % (path, value, schema['pattern']))
        if 'minimum' in schema and TYPES['number'](value) and value < schema['minimum']:
            self.errors.append('%s: %r < %r' % (path, value, schema['minimum']))
        if 'oneOf' in schema:
            ok = 0
            for sub in schema['oneOf']:
                v = Validator(self.root)
                if v.check(sub, value, path):
                    ok += 1
            if ok != 1:
                self.errors.append('%s: %r matches %d of oneOf' % (path, value, ok))
        if isinstance(value, dict):
            props = schema.get('properties', {})
            for name in schema.get('required', []):
                if name not in value:
                    self.errors.append('%s: missing %s' % (path, name))
            for k, v in value.items():
                if k in props:
                    self.check(props[k], v, '%s.%s' % (path, k))
                elif 'additionalProperties' in schema:
                    ap = schema['additionalProperties']
                    if ap is False:
                        self.errors.append('%s: unexpected member %s' % (path, k))
                    elif isinstance(ap, dict):
                        self.check(ap, v, '%s.%s' % (path, k))
        if isinstance(value, list) and 'items' in schema:
            for i, v in enumerate(value):
                self.check(schema['items'], v, '%s[%d]' % (path, i))
        return len(self.errors) == before


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.load(open(sys.argv[1]))
    try:
        doc = json.load(open(sys.argv[2], encoding='utf-8'))
    except ValueError as e:
        print('%s: not JSON: %s' % (sys.argv[2], e))
        return 1
    v = Validator(schema)
    v.check(schema, doc, '$')
    for e in v.errors[:50]:
        print(e)
    if v.errors:
        print('%d violation(s)' % len(v.errors))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
