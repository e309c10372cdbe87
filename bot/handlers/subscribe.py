"""/subscribe [topic], /subscriptions, /unsubscribe <topic|all>: alerts on new agreements."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.formatting import subscriptions_message
from bot.services import Services
from bot.storage import UserInfo
from bot.texts import text

# A topic is a few words ("South Korea", "искусственный интеллект"), not an essay.
MAX_TOPIC_CHARS = 100


async def on_subscribe(
    message: Message, command: CommandObject, services: Services, user: UserInfo
) -> None:
    topic = " ".join((command.args or "").split()) or None
    lang = user.language
    if topic is not None and len(topic) > MAX_TOPIC_CHARS:
        await message.answer(text("topic_too_long", lang, n=MAX_TOPIC_CHARS))
        return
    if not await services.storage.subscribe(user.user_id, message.chat.id, topic):
        await message.answer(text("already_subscribed", lang))
    elif topic is None:
        await message.answer(text("subscribed_all", lang))
    else:
        await message.answer(text("subscribed_topic", lang, topic=topic))


async def on_subscriptions(message: Message, services: Services, user: UserInfo) -> None:
    subscriptions = await services.storage.subscriptions(user.user_id)
    lang = user.language
    if not subscriptions:
        await message.answer(text("no_subscriptions", lang))
        return
    await message.answer(subscriptions_message([s.topic for s in subscriptions], lang))


async def on_unsubscribe(
    message: Message, command: CommandObject, services: Services, user: UserInfo
) -> None:
    topic = " ".join((command.args or "").split())
    if not topic:
        await message.answer(text("unsubscribe_usage", user.language))
        return
    everything = topic.lower() in {"all", "все", "всё"}
    removed = await services.storage.unsubscribe(user.user_id, None if everything else topic)
    await message.answer(text("unsubscribed", user.language, count=removed))


def create_router() -> Router:
    router = Router(name="subscribe")
    router.message.register(on_subscribe, Command("subscribe"))
    router.message.register(on_subscriptions, Command("subscriptions"))
    router.message.register(on_unsubscribe, Command("unsubscribe"))
    return router
