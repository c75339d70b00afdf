"""Telegram with python-telegram-bot: polling (the default, no public address needed) or a
webhook (TELEGRAM_MODE=webhook, POST /webhooks/telegram, checked against
TELEGRAM_WEBHOOK_SECRET). Choices become a reply keyboard. /start begins like « bonjour »,
/aide gives help, /stop opts out. An update delivered twice is processed once. Only private
chats are served: group, supergroup and channel updates are ignored. Each message is stored
before its turn, and a turn that fails is retried later, as for SMS (bot/channels/inbound.py).

The dialogue core is synchronous (database, OpenFisca): handlers run it in a thread, and up to
CONCURRENT_UPDATES updates are processed at once, those of one chat one after another in the
order received (`ChatOrderedProcessor`): five residents finishing a check together do not
wait for each other's turns, and one person's two messages are never read out of order. Replies
leave through the outbox like every channel's, so a referent's reply reaches Telegram the
same way.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot import messages
from bot.channels import inbound
from bot.dialogue.core import DialogueCore
from bot.dialogue.types import IncomingMessage, Reply
from bot.outbox import Claimed, PermanentError, TransientError
from common.inflight import TURNS
from common.ratelimit import RateLimits
from common.security import same_secret
from common.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter()
WEBHOOK_PATH = "/webhooks/telegram"
MAX_TEXT = 1000


CONCURRENT_UPDATES = 16


def _chat_id(update: object) -> int | None:
    chat = getattr(update, "effective_chat", None)
    return chat.id if chat is not None else None


def _processor_class():
    from telegram.ext import BaseUpdateProcessor

    class ChatOrderedProcessor(BaseUpdateProcessor):
        """Concurrent updates, but one at a time per chat, in the order they arrived.

        PTB starts one task per update in the order of the updates; each task takes its
        chat's lock before anything else that could suspend it, and asyncio's locks serve
        their waiters first come first served, so one chat's updates run in order.

        A chat's lock is forgotten when no task holds it or waits for it, counted: a lock
        just released looks free (`locked()` is False) until its woken waiter runs, and
        forgetting it then let a third update take a new lock beside the second.
        """

        def __init__(self, max_concurrent_updates: int):
            super().__init__(max_concurrent_updates)
            self._chats: dict[int, list] = {}  # chat -> [its lock, tasks holding or waiting]

        async def process_update(self, update, coroutine) -> None:
            chat = _chat_id(update)
            if chat is None:
                return await super().process_update(update, coroutine)
            entry = self._chats.setdefault(chat, [asyncio.Lock(), 0])
            entry[1] += 1
            try:
                async with entry[0]:
                    await super().process_update(update, coroutine)
            finally:
                entry[1] -= 1
                if entry[1] == 0 and self._chats.get(chat) is entry:
                    del self._chats[chat]  # no one waiting: the dict does not grow forever

        async def do_process_update(self, update, coroutine) -> None:  # noqa: ARG002
            await coroutine

        async def initialize(self) -> None:
            pass

        async def shutdown(self) -> None:
            pass

    return ChatOrderedProcessor


def _bot_url(settings: Settings) -> str:
    return f"{settings.telegram_api_base}/bot"


class TelegramChannel:
    """The inbound side: a PTB Application whose handlers run turns of the dialogue."""

    def __init__(self, settings: Settings, core: DialogueCore, wake: Callable[[], None],
                 limits: RateLimits | None = None):
        from telegram.ext import Application, CommandHandler, MessageHandler, filters

        self.settings = settings
        self.core = core
        self.wake = wake
        self.limits = limits
        self.webhook = settings.telegram_mode == "webhook"
        builder = (Application.builder().token(settings.telegram_bot_token)
                   .base_url(_bot_url(settings))
                   .base_file_url(f"{settings.telegram_api_base}/file/bot"))
        self.processor = _processor_class()(CONCURRENT_UPDATES)
        builder = builder.concurrent_updates(self.processor)
        if self.webhook:
            builder = builder.updater(None)  # updates arrive through our own route
        self.application = builder.build()
        # Private chats only: in a group, supergroup or channel, one person's answers
        # (income, health, children) would be asked for and shown to everyone, and all the
        # members would share one conversation. Those updates match no handler: ignored.
        private = filters.ChatType.PRIVATE
        self.application.add_handler(CommandHandler("start", self._on_start, filters=private))
        self.application.add_handler(CommandHandler(["aide", "help"], self._on_help,
                                                    filters=private))
        self.application.add_handler(CommandHandler("stop", self._on_stop, filters=private))
        self.application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND,
                                                    self._on_text))
        media = (filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
                 | filters.VIDEO_NOTE | filters.Document.ALL | filters.Sticker.ALL)
        self.application.add_handler(MessageHandler(media, self._on_media))
        self.started = False

    async def start(self) -> None:
        await self.application.initialize()
        if self.webhook:
            if self.settings.public_base_url:
                await self.application.bot.set_webhook(
                    url=self.settings.public_base_url + WEBHOOK_PATH,
                    secret_token=self.settings.telegram_webhook_secret or None,
                    allowed_updates=["message"])
        else:
            await self.application.start()
            await self.application.updater.start_polling(allowed_updates=["message"])
        self.started = True

    async def stop(self) -> None:
        if not self.started:
            return
        if not self.webhook:
            if self.application.updater and self.application.updater.running:
                await self.application.updater.stop()
            if self.application.running:
                await self.application.stop()
        await self.application.shutdown()
        self.started = False

    async def process_webhook(self, data: dict) -> None:
        from telegram import Update

        update = Update.de_json(data, self.application.bot)
        # Through the same per-chat ordering as polled updates (concurrent webhook requests).
        await self.processor.process_update(update, self.application.process_update(update))

    # ------------------------------------------------------------------ handlers
    async def _turn(self, update, text: str, *, media: bool = False) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        metadata: dict = {"media": True} if media else {}
        # The bot written to: a territory with a bot of its own is routed by it.
        try:
            username = self.application.bot.username
        except RuntimeError:  # getMe not done yet: routed by postcode instead
            username = None
        if username:
            metadata["to"] = username
        message = IncomingMessage(channel="telegram", sender=str(chat.id), text=text[:MAX_TEXT],
                                  metadata=metadata)
        # Stored (committed) before the turn, like an SMS: Telegram forgets an update once a
        # later getUpdates confirms it (or once the webhook answered), so a turn that raised
        # lost the message. Now it stays pending, retried with backoff by the periodic pass,
        # in order per chat (bot/channels/inbound.py).
        # Counted as a turn in flight (common/inflight.py) while polled; a webhook's request
        # counts already.
        with TURNS.turn():
            stored_id = await asyncio.to_thread(inbound.store, self.core, message,
                                                inbound_id=f"telegram:{update.update_id}")
            if stored_id is not None:
                await asyncio.to_thread(
                    inbound.process_stored, self.core, stored_id, limits=self.limits,
                    lease=timedelta(seconds=self.settings.inbound_lease_seconds))
        self.wake()

    async def _on_text(self, update, _context) -> None:
        """Any text: one turn of the dialogue."""
        if update.effective_message and update.effective_message.text:
            await self._turn(update, update.effective_message.text)

    async def _on_media(self, update, _context) -> None:
        """A photo, voice note, video or file: the dialogue says only text is read."""
        caption = update.effective_message.caption if update.effective_message else None
        await self._turn(update, caption or "", media=True)

    async def _on_start(self, update, _context) -> None:
        """/start begins the conversation, or resubscribes someone who sent /stop."""
        sender = str(update.effective_chat.id)
        opted_out = await asyncio.to_thread(inbound.is_opted_out, self.core, "telegram", sender)
        await self._turn(update, "START" if opted_out else "bonjour")

    async def _on_stop(self, update, _context) -> None:
        """/stop opts out, like STOP on SMS."""
        await self._turn(update, "STOP")

    async def _on_help(self, update, _context) -> None:
        """/aide: what the bot does and the words that work at any time."""
        if inbound.already_processed(self.core.db, f"telegram:{update.update_id}"):
            return
        sender = str(update.effective_chat.id)

        def answer() -> None:
            # Counted with the conversation's other messages: /aide is no way around the limit.
            key = self.core.address_key("telegram", sender)
            if self.limits is not None and not self.limits.message(key):
                if self.limits.refusal_notice(key):
                    inbound.send_now(self.core, channel="telegram", sender=sender,
                                     replies=[Reply(messages.text("too_many_messages"))])
                return
            inbound.send_now(self.core, channel="telegram", sender=sender,
                             replies=[Reply(messages.text("help"))])

        await asyncio.to_thread(answer)
        self.wake()


class TelegramTransport:
    """The outbound side: sends outbox messages with telegram.Bot, from the dispatcher's thread.

    The Bot lives on an event loop of its own, so sending does not depend on the app's loop.
    """

    def __init__(self, settings: Settings, *, timeout: float = 30.0):
        from telegram import Bot

        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="telegram-send",
                                        daemon=True)
        self._thread.start()
        self.bot = Bot(settings.telegram_bot_token, base_url=_bot_url(settings))

    def send(self, message: Claimed) -> str | None:
        from telegram import ReplyKeyboardMarkup, ReplyKeyboardRemove
        from telegram.error import (
            BadRequest,
            Forbidden,
            InvalidToken,
            NetworkError,
            RetryAfter,
            TelegramError,
            TimedOut,
        )

        if message.choices:
            markup = ReplyKeyboardMarkup([[choice] for choice in message.choices],
                                         resize_keyboard=True, one_time_keyboard=True)
        else:
            markup = ReplyKeyboardRemove()
        coroutine = self.bot.send_message(chat_id=message.recipient, text=message.body,
                                          reply_markup=markup)
        try:
            sent = asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(self.timeout)
        except (BadRequest, Forbidden) as error:  # BadRequest first: it is a NetworkError
            raise PermanentError(f"Telegram: {error}") from error
        except (RetryAfter, TimedOut, NetworkError, InvalidToken, TelegramError) as error:
            raise TransientError(f"Telegram: {error}") from error
        except Exception as error:  # noqa: BLE001 - a timeout of the future, a closed loop
            raise TransientError(f"{type(error).__name__}: {error}") from error
        return str(sent.message_id)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            asyncio.run_coroutine_threadsafe(self.bot.shutdown(), self._loop).result(5)
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


@router.post(WEBHOOK_PATH)
async def telegram_webhook(request: Request) -> Response:
    """An update pushed by Telegram (webhook mode), authenticated by its secret header."""
    settings: Settings = request.app.state.settings
    channel: TelegramChannel | None = request.app.state.channels.telegram
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    secret = settings.telegram_webhook_secret
    if not same_secret(given, secret):
        return JSONResponse({"error": "invalid secret token"}, status_code=403)
    if channel is None or not channel.webhook:
        return JSONResponse({"error": "Telegram webhook mode is off"}, status_code=404)
    try:
        data = await request.json()
    except ValueError:
        return JSONResponse({"error": "invalid JSON body"}, status_code=400)
    if not isinstance(data, dict) or "update_id" not in data:
        return JSONResponse({"error": "not a Telegram update"}, status_code=400)
    await channel.process_webhook(data)
    return Response(status_code=200)
