"""The application workflows that wait for the user: edit with a preview, import from and write to doover_config.json.

Each runs inside a worker of the applications screen (they await modal screens).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import ascii_lowercase, digits
from typing import Any

from textual.app import App

from doover_tui.api.errors import BadRequestError, DooverError
from doover_tui.api.models import Application
from doover_tui.app_config import (
    AppConfigError,
    ConfigFile,
    PlannedWrite,
    application_config,
    commit_write,
    config_path,
    create_fields,
    plan_write,
    read_config,
    staging_overlay,
    update_fields,
)
from doover_tui.literal import printable
from doover_tui.screens.applications_form import ApplicationFormModal
from doover_tui.screens.applications_preview import ABSENT, SEND, SWITCH, ApplicationPreviewModal, FieldChange
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.worker_errors import notify_failure
from doover_tui.store import Store

CHOICE_KEYS = (digits[1:] + ascii_lowercase)[:35]
"""Keys offered when a file holds several applications."""


@dataclass(frozen=True, slots=True)
class LocalConfig:
    """An application's entry in a ``doover_config.json`` this session read or wrote."""

    path: Path
    entry: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Imported:
    """The result of an import: the application as the server now has it, and the entry it came from."""

    application: Application
    local: LocalConfig
    outcome: str
    """``created``, ``updated`` or ``unchanged``."""


def _errors_of(exc: BadRequestError) -> dict[str, list[str]]:
    return exc.field_errors or {"": [exc.detail]}


async def edit_application(app: App[Any], store: Store, application: Application) -> Application | None:
    """Edit display name and description: form, preview (old → new), PATCH; a 400 reopens the form with its errors."""
    values: dict[str, str] | None = None
    errors: dict[str, list[str]] = {}
    while True:
        values = await app.push_screen_wait(ApplicationFormModal(application, values, errors))
        if values is None:
            return None
        old = {"display_name": application.display_name, "description": application.description}
        changes = {name: value for name, value in values.items() if value != old[name]}
        if not changes:
            app.notify("nothing changed", markup=False)
            return None
        rows = [FieldChange(name, old[name], value) for name, value in changes.items()]
        title = f"Change application {application.name}"
        preview = ApplicationPreviewModal(title, f"PATCH /applications/{application.id}/", rows)
        if not await app.push_screen_wait(preview):
            continue  # back to the form, with what was typed
        try:
            return await store.patch_application(application.id, changes)
        except BadRequestError as exc:
            errors = _errors_of(exc)
        except DooverError as exc:
            notify_failure(app, exc)
            return None


STAGING_WORDS = "STAGING values (staging_config overrides applied)"
"""Put in the import preview's title when the staging values are the ones to send."""


async def import_application(
    app: App[Any], store: Store, path_text: str, organisation: str | None = None
) -> Imported | None:
    """Import an application from a ``doover_config.json``: create it (POST) or PATCH its changed fields.

    The entry's main values are sent unless the user switches the preview to its staging values. A created
    application goes in ``organisation`` (the session's) unless the entry names one.
    """
    try:
        config = await asyncio.to_thread(read_config, config_path(path_text))
    except AppConfigError as exc:
        app.notify(printable(str(exc)), title="Import", severity="error", markup=False)
        return None
    key = await _choose(app, config)
    if key is None:
        return None
    local = LocalConfig(config.path, config.apps[key])
    overrides = local.entry.get("staging_config")
    has_staging = isinstance(overrides, dict) and bool(overrides)
    source = config.long_description_files.get(key)
    staging = False
    while True:
        entry = staging_overlay(local.entry, overrides)[0] if staging else local.entry
        name = str(entry.get("name") or key)
        try:
            # Fresh, not cached: an application created since the list loaded must be updated, not created twice.
            existing = next((a for a in (await store.applications(force=True)).value if a.name == name), None)
        except DooverError as exc:
            notify_failure(app, exc)
            return None
        plan = _plan(store, existing, entry, staging, organisation)
        if plan is None and not has_staging:
            app.notify(f"{name} is already up to date with {config.path.name}", markup=False)
            return Imported(existing, local, "unchanged") if existing else None
        note = f"long_description read from {source}" if source else ""
        switch = ("use the main values" if staging else "use the staging values instead") if has_staging else ""
        answer = await _confirm(app, plan or _nothing(name, existing), note, switch)
        if answer == SWITCH:
            staging = not staging
            continue
        return Imported(answer, local, plan.outcome) if isinstance(answer, Application) and plan else None


@dataclass(frozen=True, slots=True)
class _Plan:
    """A request an import would send, and how to preview it."""

    title: str
    request: str
    rows: list[FieldChange]
    send: Callable[[], Awaitable[Application]]
    outcome: str


def _plan(
    store: Store, existing: Application | None, entry: Mapping[str, Any], staging: bool, organisation: str | None
) -> _Plan | None:
    """The create or update an entry calls for; None when the application already matches it."""
    which = f" · {STAGING_WORDS}" if staging else " · main values"
    if existing is None:
        fields = create_fields(entry, organisation)
        rows = [FieldChange(name, ABSENT, value) for name, value in fields.items()]
        title = f"Create application {fields.get('name', '')}{which}"
        return _Plan(title, "POST /applications/", rows, lambda: store.create_application(fields), "created")
    changed = update_fields(entry, existing)
    if not changed:
        return None
    current = application_config(existing)
    rows = [FieldChange(name, current.get(name, ABSENT), value) for name, value in changed.items()]
    count = f"{len(rows)} field{'s' if len(rows) != 1 else ''} changed"
    title = f"Update application {existing.name}: {count}{which}"
    request = f"PATCH /applications/{existing.id}/"
    return _Plan(title, request, rows, lambda: store.patch_application(existing.id, changed), "updated")


def _nothing(name: str, existing: Application | None) -> _Plan:
    """A preview with nothing to send (these values match the server; the other set may not)."""

    async def unreachable() -> Application:
        raise AssertionError("nothing to send")

    request = f"PATCH /applications/{existing.id}/" if existing else "POST /applications/"
    return _Plan(f"{name} already matches these values", request, [], unreachable, "unchanged")


async def _choose(app: App[Any], config: ConfigFile) -> str | None:
    names = list(config.apps)
    if len(names) == 1:
        return names[0]
    choices = [(CHOICE_KEYS[index], printable(name)) for index, name in enumerate(names[: len(CHOICE_KEYS)])]
    question = f"{config.path} holds {len(names)} applications. Import which?"
    answer = await app.push_screen_wait(ChoiceModal("Import", question, choices))
    return None if answer is None else names[CHOICE_KEYS.index(answer)]


async def _confirm(app: App[Any], plan: _Plan, note: str, switch: str) -> Application | str | None:
    """Preview; send on ``y``, or answer ``SWITCH``; a 400 shows the preview again with each error under its field."""
    preview = ApplicationPreviewModal(plan.title, plan.request, plan.rows, note=note, switch=switch)
    answer = await app.push_screen_wait(preview)
    if answer != SEND:
        return answer
    try:
        return await plan.send()
    except BadRequestError as exc:
        refused = ApplicationPreviewModal(plan.title, plan.request, plan.rows, errors=_errors_of(exc), note=note)
        await app.push_screen_wait(refused)
    except DooverError as exc:
        notify_failure(app, exc)
    return None


async def write_application(
    app: App[Any], application: Application, local: Mapping[str, Any] | None, path_text: str
) -> LocalConfig | None:
    """Write the application's configuration into a ``doover_config.json`` after a preview of its entry's changes.

    The entry is merged in (other applications and unknown keys stay) and the file keeps its indentation.
    """
    path = config_path(path_text)
    config = application_config(application)
    if application.staging_config is None and local and isinstance(local.get("staging_config"), dict):
        config["staging_config"] = local["staging_config"]
    try:
        plan: PlannedWrite = await asyncio.to_thread(plan_write, path, config)
    except AppConfigError as exc:
        app.notify(printable(str(exc)), title="Write", severity="error", markup=False)
        return None
    if not await _preview_write(app, application.name, plan):
        return None
    try:
        written = await asyncio.to_thread(commit_write, plan)
        entry = (await asyncio.to_thread(read_config, path)).apps.get(application.name, config)
    except AppConfigError as exc:
        app.notify(printable(str(exc)), title="Write", severity="error", markup=False)
        return None
    kept = f"; {len(written.others)} other application(s) kept" if written.others else ""
    readme = f"; long description left in {written.long_description_file}" if written.long_description_file else ""
    verb = "created" if written.created else "updated"
    app.notify(printable(f"{application.name} written to {path} ({verb}{kept}{readme})"), markup=False)
    return LocalConfig(path, entry)


async def _preview_write(app: App[Any], name: str, plan: PlannedWrite) -> bool:
    """Show what the write changes in the application's entry; True when the user confirmed with ``y``."""
    old, new = plan.old_entry, plan.new_entry
    keys = [*old, *(key for key in new if key not in old)]
    rows = [
        FieldChange(key, old.get(key, ABSENT), new.get(key, ABSENT))
        for key in keys
        if key not in old or key not in new or not (old[key] == new[key] and type(old[key]) is type(new[key]))
    ]
    if not rows:
        app.notify(printable(f"{plan.written.path} already holds {name} as the server has it"), markup=False)
        return False
    written = plan.written
    where = "a new file" if written.created else f"{len(written.others)} other application(s) in it kept as they are"
    title = f"Write {name} into {written.path}: {len(rows)} key{'s' if len(rows) != 1 else ''} of its entry change"
    preview = ApplicationPreviewModal(title, f"file {written.path} ({where})", rows)
    return await app.push_screen_wait(preview) == SEND
