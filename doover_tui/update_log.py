"""A channel's message log around one message: what undo replays to rebuild an aggregate's past state."""

from __future__ import annotations

from dataclasses import dataclass

from doover_tui.api.data import DataClient
from doover_tui.api.models import ChannelRef, Message


@dataclass(frozen=True, slots=True)
class UpdateLog:
    """A channel's messages around one, oldest first.

    Attributes:
        up_to: messages up to and including the chosen one (as far back as was read).
        after: every message after the chosen one.
        complete: ``up_to`` reaches back to the channel's first message.
    """

    up_to: tuple[Message, ...]
    after: tuple[Message, ...]
    complete: bool


async def read_update_log(data: DataClient, ref: ChannelRef, message: Message, *, earlier: int) -> UpdateLog:
    """Read up to ``earlier`` messages back (``message`` included) and every message after it.

    Raises:
        DooverError: a page failed.
    """
    before: list[Message] = [message]
    async for page in data.iter_messages_backward(ref.agent_id, ref.name, before=message.id):
        before.extend(page[: earlier - len(before)])
        if len(before) >= earlier:
            break
    after: list[Message] = []
    async for page in data.iter_messages_forward(ref.agent_id, ref.name, after=message.id):
        after.extend(page)
    before.reverse()
    return UpdateLog(up_to=tuple(before), after=tuple(after), complete=len(before) < earlier)
