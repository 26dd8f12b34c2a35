"""Read and write ``~/.doover/config`` exactly as pydoover and doover-cli do (reference §1.2).

The file is blocks separated by blank lines. A block headed ``[profile=NAME]`` holds
``KEY=VALUE`` lines; anything else (legacy Doover 1 blocks, foreign text) is kept
byte for byte and ignored. Writing changes only the lines of the keys we set.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from doover_tui.api.jwt import jwt_expiry
from doover_tui.config.errors import NoProfileFileError, ProfileFileError, UnknownProfileError
from doover_tui.literal import printable

_HEADER = re.compile(r"^\[profile=(?P<name>.+)\]$")
_LOOSE_HEADER = re.compile(r"\[?\s*profile\s*[=:]\s*(?P<name>[^\]]*?)\s*\]?", re.IGNORECASE)
"""What a mistyped header looks like (``[profile = x]``, ``[profile=x``), for a hint when a profile is missing."""
_BOM = "\ufeff"
"""The byte-order mark some editors put first in a UTF-8 file; reading, it is skipped (writing, kept)."""
LATEST_EXPIRY = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
"""The last moment a date can show; TOKEN_EXPIRES beyond it (or before 1970) is a mistake."""

KEY_ORDER = (
    "TOKEN",
    "TOKEN_EXPIRES",
    "AGENT_ID",
    "BASE_URL",
    "REFRESH_TOKEN",
    "REFRESH_TOKEN_ID",
    "BASE_DATA_URL",
    "AUTH_SERVER_URL",
    "AUTH_SERVER_CLIENT_ID",
)
"""The order pydoover writes a new profile's keys in."""

DEFAULT_CONTROL_URL = "https://api.doover.com"
DEFAULT_DATA_URL = "https://data.doover.com/api"
DEFAULT_AUTH_URL = "https://auth.doover.com"


@dataclass(frozen=True, slots=True)
class Profile:
    """One ``[profile=NAME]`` block, values trimmed; an empty value means unset."""

    name: str
    values: Mapping[str, str]
    line: int
    """The line number of the header, for messages."""
    token_expires: float | None = None
    """Expiry in Unix seconds: ``TOKEN_EXPIRES`` (seconds or ISO-8601), else the JWT ``exp``."""
    key_lines: Mapping[str, int] = field(default_factory=dict)
    """The line number of each key (its last line when repeated), for messages about its value."""

    def get(self, key: str) -> str | None:
        """A value, or None when absent or empty."""
        return self.values.get(key) or None

    @property
    def token(self) -> str | None:
        """The access token."""
        return self.get("TOKEN")

    @property
    def control_url(self) -> str:
        """``BASE_URL``, defaulting to production."""
        return self.get("BASE_URL") or DEFAULT_CONTROL_URL

    @property
    def data_url(self) -> str:
        """``BASE_DATA_URL``, defaulting to production."""
        return self.get("BASE_DATA_URL") or DEFAULT_DATA_URL

    @property
    def auth_server_url(self) -> str:
        """``AUTH_SERVER_URL``, defaulting to production."""
        return self.get("AUTH_SERVER_URL") or DEFAULT_AUTH_URL

    @property
    def refreshable(self) -> bool:
        """A refresh token and the client id it belongs to are both present."""
        return bool(self.get("REFRESH_TOKEN") and self.get("AUTH_SERVER_CLIENT_ID"))


@dataclass(slots=True)
class _Block:
    lines: list[str]
    first_line: int
    profile: str | None = None


@dataclass(slots=True)
class ProfileFile:
    """A parsed profile file that can be written back without disturbing what it does not own."""

    path: Path
    chunks: list[_Block | str] = field(default_factory=list)
    """Blocks and the blank-line runs between them, in file order."""
    profiles: dict[str, Profile] = field(default_factory=dict)
    broken: dict[str, ProfileFileError] = field(default_factory=dict)
    """Profiles whose block is malformed: using one raises its error."""
    legacy_blocks: int = 0

    @property
    def names(self) -> list[str]:
        """Profile names in file order (malformed ones included, so the user sees them)."""
        return [c.profile for c in self.chunks if isinstance(c, _Block) and c.profile is not None]

    def get(self, name: str) -> Profile:
        """The named profile.

        Raises:
            ProfileFileError: its block is malformed.
            UnknownProfileError: there is no such profile.
        """
        if name in self.broken:
            raise self.broken[name]
        if name not in self.profiles:
            near_miss = self._mistyped_header(name)
            if near_miss is not None:
                raise near_miss
            # Names come from the file and the command line: shown, never interpreted by the terminal.
            raise UnknownProfileError(self.path, printable(name), [printable(known) for known in self.names])
        return self.profiles[name]

    def _mistyped_header(self, name: str) -> ProfileFileError | None:
        """An error pointing at a block that was meant to be profile ``name`` but whose header is not exact."""
        shown = printable(name)
        for chunk in self.chunks:
            if not isinstance(chunk, _Block) or chunk.profile is not None:
                continue
            for offset, line in enumerate(chunk.lines):
                header = line.strip().lstrip(_BOM)
                exact, loose = _HEADER.match(header), _LOOSE_HEADER.fullmatch(header)
                if exact is not None and exact.group("name").strip() == name:
                    message = (
                        f"[profile={shown}] does not start a block: put a blank line before it"
                        if offset
                        else f"profile '{shown}' is a Doover 1 profile (USERNAME/PASSWORD); run `doover login`"
                    )
                elif exact is None and loose is not None and loose.group("name") == name:
                    message = f"{header!r} is not read as a profile header: write it as [profile={shown}]"
                else:
                    continue
                return ProfileFileError(self.path, message, chunk.first_line + offset)
        return None

    def render(self) -> str:
        """The file's text."""
        return "".join("".join(c.lines) if isinstance(c, _Block) else c for c in self.chunks)

    def set_values(self, name: str, changes: Mapping[str, str | None]) -> None:
        """Set keys of a profile (None writes an empty value), adding the profile if needed.

        Lines of other keys, other profiles and foreign blocks are not touched.
        """
        block = next((c for c in self.chunks if isinstance(c, _Block) and c.profile == name), None)
        if block is None:
            block = self._append_block(name)
        newline = _newline_of(block.lines)
        for key, value in changes.items():
            text = value or ""
            if any(char in text for char in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
                raise ProfileFileError(self.path, f"refusing to write {key}: its value holds a line break")
            indexes = _key_lines(block.lines, key)
            if not indexes:
                if not block.lines[-1].endswith(("\n", "\r")):
                    block.lines[-1] += newline
                block.lines.append(f"{key}={text}{newline}")
            # Every line of a repeated key: readers differ on which one wins (pydoover: the last).
            for index in indexes:
                line = block.lines[index]
                ending = line[len(line.rstrip("\r\n")) :]
                block.lines[index] = line[: line.index("=") + 1] + text + ending
        self._reparse()

    def _append_block(self, name: str) -> _Block:
        text = self.render()
        if text and not text.endswith("\n"):
            self.chunks.append("\n")
        if text.strip():
            self.chunks.append("\n")
        block = _Block([f"[profile={name}]\n"], first_line=0, profile=name)
        self.chunks.append(block)
        return block

    def _reparse(self) -> None:
        fresh = parse_profiles(self.render(), self.path)
        self.chunks, self.profiles, self.broken = fresh.chunks, fresh.profiles, fresh.broken

    def save(self) -> None:
        """Write the file atomically with mode 0600 (temp file in the same directory, then rename)."""
        write_private_file(self.path, self.render())


def _newline_of(lines: list[str]) -> str:
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def _key_lines(lines: list[str], key: str) -> list[int]:
    return [i for i, line in enumerate(lines[1:], start=1) if "=" in line and line.split("=", 1)[0].strip() == key]


def parse_profiles(text: str, path: Path) -> ProfileFile:
    """Parse the profile file's text (see the module docstring for the format)."""
    result = ProfileFile(path)
    pending: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.strip():
            if not pending:
                start = number
            pending.append(line)
            continue
        if pending:
            result.chunks.append(_Block(pending, start))
            pending = []
        if result.chunks and isinstance(result.chunks[-1], str):
            result.chunks[-1] += line
        else:
            result.chunks.append(line)
    if pending:
        result.chunks.append(_Block(pending, start))
    for chunk in result.chunks:
        if isinstance(chunk, _Block):
            _classify(chunk, result)
    return result


def _classify(block: _Block, result: ProfileFile) -> None:
    header = _HEADER.match(block.lines[0].strip().lstrip(_BOM))
    if header is None:
        return
    name = header.group("name").strip()
    shown = printable(name)
    values: dict[str, str] = {}
    key_lines: dict[str, int] = {}
    problem: str | None = None
    problem_line = block.first_line
    for offset, line in enumerate(block.lines[1:], start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            continue  # doover-js allows comment lines
        if "=" not in stripped:
            problem, problem_line = (
                f"expected KEY=VALUE in [profile={shown}], found {stripped[:60]!r}",
                block.first_line + offset,
            )
            break
        key, value = stripped.split("=", 1)
        values[key.strip()] = value.strip()
        key_lines[key.strip()] = block.first_line + offset
    if ("USERNAME" in values or "PASSWORD" in values) and values.get("IS_DOOVER2") != "True":
        result.legacy_blocks += 1  # a Doover 1 profile: kept verbatim, never used
        return
    block.profile = name
    if problem is None and name in result.profiles:
        problem = f"profile '{shown}' is defined twice (first at line {result.profiles[name].line})"
    expires: float | None = None
    if problem is None:
        try:
            expires = _expiry(values.get("TOKEN_EXPIRES", ""), values.get("TOKEN", ""))
        except ValueError as exc:
            problem, problem_line = str(exc), key_lines.get("TOKEN_EXPIRES", block.first_line)
    if problem is not None:
        result.broken[name] = ProfileFileError(result.path, problem, problem_line)
        return
    result.profiles[name] = Profile(name, values, block.first_line, expires, key_lines)


def _expiry(raw: str, token: str) -> float | None:
    """TOKEN_EXPIRES as Unix seconds or ISO-8601 (doover-js writes the latter), else the JWT exp.

    Raises:
        ValueError: TOKEN_EXPIRES is neither, or is no moment between 1970 and the year 9999.
    """
    if not raw:
        exp = jwt_expiry(token) if token else None
        # A token's own claim is not the user's to fix: an impossible one just means "unknown".
        return exp if exp is not None and _possible(exp) else None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = _iso_seconds(raw)
    if not _possible(seconds):
        raise ValueError(f"TOKEN_EXPIRES={raw!r} is not a time between 1970 and the year 9999")
    return seconds


def _iso_seconds(raw: str) -> float:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"TOKEN_EXPIRES={raw!r} is neither Unix seconds nor an ISO-8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.timestamp()
    except (OverflowError, ValueError):  # an offset that moves it past year 1 or 9999
        return math.nan


def _possible(seconds: float) -> bool:
    """Finite, and a moment dates can show (``nan``, ``inf`` and ``1e300`` all parse as floats)."""
    return math.isfinite(seconds) and 0 <= seconds <= LATEST_EXPIRY


def load_profiles(path: Path) -> ProfileFile:
    """Read and parse the profile file.

    Raises:
        NoProfileFileError: the file does not exist.
        ProfileFileError: it cannot be read or is not UTF-8.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NoProfileFileError(path) from None
    except OSError as exc:
        raise ProfileFileError(path, f"cannot read: {exc.strerror}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ProfileFileError(path, "is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8", 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProfileFileError(path, "is not UTF-8 text", line) from None
    return parse_profiles(text, path)


def update_profile(path: Path, name: str, changes: Mapping[str, str | None]) -> None:
    """Re-read the file, set keys of one profile, and write it back atomically.

    Re-reading first keeps what another program (``doover login``) wrote meanwhile.

    Raises:
        ProfileFileError: the file cannot be read or written.
    """
    try:
        profiles = load_profiles(path)
    except NoProfileFileError:
        profiles = ProfileFile(path)
    profiles.set_values(name, changes)
    profiles.save()


def write_private_file(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by its owner only (0600).

    A symlinked file (dotfile managers) is written through: its target is replaced,
    the link stays.

    Raises:
        ProfileFileError: the directory or file cannot be written.
    """
    path = path.resolve() if path.is_symlink() else path
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ProfileFileError(path, f"cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException as exc:
        # Any failure, Ctrl+C included, removes the temporary file: it holds the tokens.
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise ProfileFileError(path, f"cannot write: {exc.strerror}") from None
        raise


def format_expiry(expires_at: float | None) -> str:
    """TOKEN_EXPIRES as pydoover writes it: Unix seconds as a float (``1710806400.0``)."""
    return "" if expires_at is None else repr(float(expires_at))
