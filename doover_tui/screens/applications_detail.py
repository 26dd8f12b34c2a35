"""The application detail pane: fields, long description as Markdown, config schema and staging config as trees."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from doover_tui.api.models import Application
from doover_tui.app_config import staging_overlay, type_words, visibility_words
from doover_tui.literal import printable
from doover_tui.widgets.json_tree import JsonTree

FIELDS = (
    ("Description", "description"),
    ("Repository", "repository_url"),
    ("Branch", "repo_branch"),
    ("Image", "image_name"),
    ("Depends on", "depends_on"),
    ("Allow many", "allow_many"),
)
"""The fields listed under the title, with their configuration keys."""
OVERRIDE_MARK = "◆ staging"
_SCHEMA_FACTS = ("minimum", "maximum", "minLength", "maxLength", "format", "pattern")


def schema_outline(schema: Any) -> Any:
    """A JSON Schema as a tree of its properties: ``"name (required)"`` keys, one-line summaries with defaults."""
    if not isinstance(schema, dict):
        return schema
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema_summary(schema) if schema else {}
    required = schema.get("required")
    required_names = set(required) if isinstance(required, list) else set()
    outline: dict[str, Any] = {}
    for name, sub in properties.items():
        label = f"{name} (required)" if name in required_names else name
        nested = isinstance(sub, dict) and isinstance(sub.get("properties"), dict)
        outline[label] = schema_outline(sub) if nested else schema_summary(sub)
    return outline


def schema_summary(schema: Any) -> str:
    """One line on a property: its type, default, choices, limits and title."""
    if not isinstance(schema, dict):
        return json.dumps(schema, ensure_ascii=False)
    kind = schema.get("type", "any")
    words = ["|".join(map(str, kind)) if isinstance(kind, list) else str(kind)]
    items = schema.get("items")
    if kind == "array" and isinstance(items, dict) and "type" in items:
        words[0] = f"array of {items['type']}"
    if "$ref" in schema:
        words[0] = f"see {schema['$ref']}"
    if "default" in schema:
        words.append(f"default: {json.dumps(schema['default'], ensure_ascii=False)}")
    if isinstance(schema.get("enum"), list):
        words.append("one of " + ", ".join(json.dumps(choice, ensure_ascii=False) for choice in schema["enum"]))
    words.extend(f"{fact}: {schema[fact]}" for fact in _SCHEMA_FACTS if fact in schema)
    if isinstance(schema.get("title"), str):
        words.append(schema["title"])
    return " · ".join(words)


SCHEMA_LINES = 300
"""Schema properties shown; the rest are counted (the JSON view, ``j``, has them all)."""


def schema_text(outline: Any) -> Text:
    """A schema outline as indented plain-text lines (names bold, summaries as written, never JSON-quoted)."""
    out = Text()
    count = 0

    def walk(node: Any, depth: int) -> None:
        nonlocal count
        for name, value in node.items():
            count += 1
            if count > SCHEMA_LINES:
                continue
            out.append("  " * depth)
            out.append(printable(str(name)), style="bold")
            if isinstance(value, dict):
                out.append("\n")
                walk(value, depth + 1)
            else:
                out.append(": " + printable(str(value)) + "\n")

    if isinstance(outline, dict) and outline:
        walk(outline, 0)
    else:
        out.append("No config schema." if not outline else printable(str(outline)))
    if count > SCHEMA_LINES:
        out.append(f"… {count - SCHEMA_LINES:,} more (j shows the JSON)")
    out.rstrip()
    return out


def markdown_source(text: str) -> str:
    """Device text made safe for the Markdown widget: escape sequences visible, line breaks and tabs kept."""
    return "\n".join("\t".join(printable(part) for part in line.split("\t")) for line in text.split("\n"))


def value_words(value: Any) -> str:
    """A field's value as one or more literal lines."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class ApplicationDetail(VerticalScroll):
    """One application: title, fields, long description, config schema and staging config.

    In the staging view the values are those of ``staging_config`` applied over the main ones,
    and each overridden field carries a mark.
    """

    DEFAULT_CSS = """
    ApplicationDetail {
        padding: 0 1;
        & > Static { height: auto; }
        & > .app-heading { text-style: bold; color: $text-accent; padding: 1 0 0 0; }
        & > JsonTree { height: auto; max-height: 16; }
        & > #app-schema { padding-left: 1; }
        & > Markdown { padding: 0; margin: 0; }
        & > #app-staging-heading, & > #app-staging { display: none; }
        &.-has-staging > #app-staging-heading, &.-has-staging > #app-staging { display: block; }
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.application: Application | None = None
        """The application shown."""
        self.overridden: tuple[str, ...] = ()
        """The configuration keys the staging view overrides (empty in the main view)."""
        self.shown: dict[str, Any] = {}
        """The configuration values on screen (main, or with staging overrides)."""
        self._markdown_text: str | None = None

    def compose(self) -> ComposeResult:
        """Title, fields, schema tree, staging tree, long description (the longest, so last)."""
        yield Static(Text("No application selected."), id="app-title")
        yield Static("", id="app-fields")
        yield Static("Config schema", classes="app-heading", id="app-schema-heading")
        yield Static("", id="app-schema")
        yield Static("Staging config", classes="app-heading", id="app-staging-heading")
        yield JsonTree("staging_config", id="app-staging")
        yield Static("Long description", classes="app-heading", id="app-long-heading")
        yield Markdown("", id="app-long-description")

    def show(
        self, application: Application, main: Mapping[str, Any], staging: Mapping[str, Any] | None, staging_view: bool
    ) -> None:
        """Show an application's main configuration, or (``staging_view``) the staging one with overrides marked."""
        values, overridden = staging_overlay(main, staging) if staging_view else (dict(main), ())
        first = self.application is None or self.application.id != application.id
        self.application, self.shown, self.overridden = application, values, overridden
        self.query_one("#app-title", Static).update(self._title(application, staging, staging_view))
        self.query_one("#app-fields", Static).update(self._fields(values, overridden))
        self._heading("#app-long-heading", "Long description", "long_description")
        self._heading("#app-schema-heading", "Config schema", "config_schema")
        text = markdown_source(str(values.get("long_description") or "_No long description._"))
        if text != self._markdown_text:
            self._markdown_text = text
            self.query_one("#app-long-description", Markdown).update(text)
        self.query_one("#app-schema", Static).update(schema_text(schema_outline(values.get("config_schema") or {})))
        self.set_class(staging is not None, "-has-staging")
        self.query_one("#app-staging", JsonTree).show(dict(staging or {}), keep_state=not first)

    def clear(self) -> None:
        """Show no application (the filter hides every row, or the selected one)."""
        self.application, self.shown, self.overridden = None, {}, ()
        self.query_one("#app-title", Static).update(Text("No application selected."))
        self.query_one("#app-fields", Static).update("")
        self.query_one("#app-schema", Static).update("")
        self._markdown_text = ""
        self.query_one("#app-long-description", Markdown).update("")
        self.set_class(False, "-has-staging")

    def _mark_style(self) -> str:
        return self.app.theme_variables.get("text-warning", "")

    def _title(self, app: Application, staging: Mapping[str, Any] | None, staging_view: bool) -> Text:
        title = Text.assemble((printable(app.display_name or app.name), "bold"), "  ", (printable(app.name), "dim"))
        facts = [type_words(app.type), visibility_words(app.visibility)]
        if app.approx_installs is not None:
            facts.append(f"{app.approx_installs} install{'s' if app.approx_installs != 1 else ''}")
        if app.organisation:
            facts.append(printable(app.organisation))
        title.append("\n" + " · ".join(facts) + "\n")
        if staging_view:
            count = len(self.overridden)
            title.append(f" STAGING view · {count} override{'s' if count != 1 else ''} ", style="bold reverse")
            if staging is None:
                title.append("  no staging_config known for this application", style="italic")
        else:
            title.append(" MAIN view ", style="bold reverse")
        return title

    def _fields(self, values: Mapping[str, Any], overridden: tuple[str, ...]) -> Text:
        out = Text()
        for label, key in FIELDS:
            lines = value_words(values.get(key)).splitlines() or [""]
            out.append(f"{label:<12}", style="bold")
            out.append(printable(lines[0]))
            for line in lines[1:]:
                out.append("\n" + " " * 12 + printable(line))
            if key in overridden:
                out.append(f"  {OVERRIDE_MARK}", style=self._mark_style())
            out.append("\n")
        others = [key for key in overridden if key not in {key for _, key in FIELDS}]
        others = [key for key in others if key not in ("long_description", "config_schema")]
        if others:
            out.append("Also overridden: ", style="bold")
            out.append(", ".join(printable(key) for key in others), style=self._mark_style())
        out.rstrip()
        return out

    def _heading(self, selector: str, words: str, key: str) -> None:
        heading = Text(words)
        if key in self.overridden:
            heading.append(f"  {OVERRIDE_MARK}", style=self._mark_style())
        self.query_one(selector, Static).update(heading)
