"""The API's reference page, drawn on the server from the OpenAPI document itself (no script, no CDN): each
operation with its parameters and answers, then each schema with its fields. What the page says is what the
document says, so the two cannot drift apart."""
from __future__ import annotations

from dataclasses import dataclass, field

REF_PREFIX = "#/components/schemas/"


def type_of(schema: dict | None, components: dict | None = None) -> str:
    """A schema in a few words: ``string``, ``integer, 1 to 100000``, ``list of Tag``, ``LearningPage``,
    ``string or null``, ``one of: btu, bps, outside`` (a named list of values is spelled out)."""
    if not schema:
        return "any"
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        target = (components or {}).get(name, {})
        return type_of(target, components) if "enum" in target else name
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(dict.fromkeys(type_of(s, components) for s in schema[key]))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return type_of(schema["allOf"][0], components)
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return f"list of {type_of(schema.get('items'), components)}"
    words = kind
    if "format" in schema:
        words += f" ({schema['format']})"
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        words += f", {low} to {high}"
    if "maxLength" in schema:
        words += f", at most {schema['maxLength']} characters"
    return words


@dataclass
class Row:
    name: str
    type: str
    required: bool
    description: str
    default: str = ""


@dataclass
class Answer:
    status: str
    description: str
    schema: str


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    tags: list[str]
    parameters: list[Row] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Schema:
    name: str
    description: str
    fields: list[Row]


@dataclass
class Reference:
    title: str
    version: str
    openapi: str
    description: str
    operations: list[Operation]
    schemas: list[Schema]


def _default(schema: dict) -> str:
    return "" if "default" not in schema or schema["default"] in ("", None) else str(schema["default"]).lower()


def build(doc: dict) -> Reference:
    components = doc.get("components", {}).get("schemas", {})
    operations = []
    for path, methods in sorted(doc.get("paths", {}).items()):
        for method, op in methods.items():
            # a query parameter left out is "none": its schema's null says no more than that
            params = [Row(p["name"], type_of(p.get("schema"), components).replace(" or null", ""),
                          bool(p.get("required")),
                          p.get("description") or p.get("schema", {}).get("description", ""),
                          _default(p.get("schema", {}))) for p in op.get("parameters", [])]
            answers = []
            for status, r in sorted(op.get("responses", {}).items()):
                content = r.get("content", {}).get("application/json", {})
                answers.append(Answer(status, r.get("description", ""), type_of(content.get("schema"), components)
                                      if content else "no body"))
            operations.append(Operation(method.upper(), path, op.get("operationId", f"{method}-{path}"),
                                        op.get("summary", ""), op.get("description", ""), op.get("tags", []),
                                        params, answers))
    schemas = []
    for name, s in sorted(components.items()):
        if "enum" in s:  # a list of values: spelled out where it is used
            continue
        required = set(s.get("required", []))
        rows = [Row(k, type_of(v, components), k in required, v.get("description", ""), _default(v))
                for k, v in s.get("properties", {}).items()]
        schemas.append(Schema(name, s.get("description", ""), rows))
    info = doc.get("info", {})
    return Reference(info.get("title", ""), info.get("version", ""), doc.get("openapi", ""),
                     info.get("description", ""), operations, schemas)
