"""The optional email channel: the address, a 6-digit code sent through the outbox, and its check."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.handlers.onboarding.questions import enter, next_after, send
from bot.handlers.onboarding.states import Step, button, draft, editing, find_person, nav_row, pressed_value
from bot.i18n import Translation
from bot.reference import validation
from bot.services import Context, services, translation
from bot.state_first import heading_to
from scheduler.notices import Text, delivery_for
from scheduler.outbox import enqueue
from storage.models import ChannelAddress
from storage.repositories import profiles

CODE = re.compile(r"^\d{6}$")


async def choice_pressed(update: Update, context: Context) -> object:
    value = pressed_value(update)
    t = translation(update, context)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    d = draft(context)
    if value == "back":
        return await enter(Step.PROFILE if editing(context) else Step.TIME_ZONE, update, context)
    if value == "add":
        d["email_wanted"] = True
        return await enter(Step.EMAIL_ADDRESS, update, context)
    d["email_wanted"] = False
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        removed = person is not None and await profiles.remove_email(session, person.id)
    if removed:
        await send(update, context, t._("Your email address is removed."), [])
    return await next_after(Step.EMAIL_CODE, update, context)


async def address_typed(update: Update, context: Context) -> object:
    t = translation(update, context)
    assert update.message is not None and update.message.text is not None
    text = validation.clean(update.message.text)
    problem = validation.check_email(text)
    if problem is not None:
        await send(update, context, validation.explain(problem, t, validation.EMAIL), [])
        return Step.EMAIL_ADDRESS
    return await _send_code(update, context, t, text)


async def _send_code(update: Update, context: Context, t: Translation, address_text: str) -> object:
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        assert person is not None
        try:
            started = await profiles.start_email_verification(
                session, svc.keyring, person, address_text, now=now
            )
        except profiles.EmailTaken:
            started = None
            taken = True
        else:
            taken = False
        if started is not None:
            address, code = started
            await deliver_code(session, address, code, t, now=now)
    if taken:
        await send(
            update, context, t._("This address cannot be used here. Type another one, or go back."), []
        )
        return Step.EMAIL_ADDRESS
    if started is None:
        heading_to(Step.EMAIL_CODE)
        await send(
            update,
            context,
            t._("Too many codes were sent to this address. Please skip email for now and add it later."),
            [[button(t._("Skip email"), Step.EMAIL_CODE, "skip")]],
        )
        return Step.EMAIL_CODE
    heading_to(Step.EMAIL_CODE)
    draft(context)["step"] = Step.EMAIL_CODE.value
    await send(
        update,
        context,
        t._("I sent a 6-digit code to {email}. Type it here; it is valid for 15 minutes.").format(
            email=address_text
        ),
        [
            [button(t._("Send a new code"), Step.EMAIL_CODE, "resend")],
            [button(t._("Skip email"), Step.EMAIL_CODE, "skip")],
            nav_row(t, Step.EMAIL_CODE),
        ],
    )
    return Step.EMAIL_CODE


async def deliver_code(
    session: AsyncSession, address: ChannelAddress, code: str, t: Translation, *, now: datetime
) -> None:
    """Queue the code email in the outbox; the delivery workers send it over SMTP."""
    body = t._(
        "Your Liaison confirmation code is {code}. It is valid for 15 minutes. "
        "If you did not ask for it, ignore this email."
    ).format(code=code)
    # To the address being verified (not yet usable): the one notice that names its address itself.
    text = Text(body, subject=t._("Your Liaison confirmation code"))
    await enqueue(
        session,
        [delivery_for(address.id, address.channel, text, key=f"email-code:{address.id}:{uuid.uuid4()}")],
        now=now,
    )


async def code_typed(update: Update, context: Context) -> object:
    t = translation(update, context)
    assert update.message is not None and update.message.text is not None
    code = update.message.text.replace(" ", "").strip()
    if not CODE.match(code):
        await send(update, context, t._("Please type the 6 digits of the code."), [])
        return Step.EMAIL_CODE
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        assert person is not None
        outcome, left = await profiles.check_email_code(
            session, svc.keyring, person.id, code, now=svc.clock()
        )
    if outcome is profiles.CodeCheck.ACCEPTED:
        await send(update, context, t._("Your email address is confirmed."), [])
        draft(context)["email_wanted"] = False
        return await next_after(Step.EMAIL_CODE, update, context)
    if outcome is profiles.CodeCheck.WRONG:
        text = t._("That code is not right. Tries left: {count}.").format(count=left)
    elif outcome is profiles.CodeCheck.EXPIRED:
        text = t._("That code has expired. Press “Send a new code”.")
    else:
        text = t._("Too many wrong tries. Press “Send a new code”, or skip email.")
    await send(
        update,
        context,
        text,
        [
            [button(t._("Send a new code"), Step.EMAIL_CODE, "resend")],
            [button(t._("Skip email"), Step.EMAIL_CODE, "skip")],
        ],
    )
    return Step.EMAIL_CODE


async def code_pressed(update: Update, context: Context) -> object:
    value = pressed_value(update)
    t = translation(update, context)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    if value == "back":
        return await enter(Step.EMAIL_ADDRESS, update, context)
    svc = services(context)
    if value == "resend":
        async with svc.db.session() as session:
            person = await find_person(session, update, context)
            address = None if person is None else await profiles.email_address(session, person.id)
            current = None if address is None else address.address
        if current is None:
            return await enter(Step.EMAIL_ADDRESS, update, context)
        return await _send_code(update, context, t, current)
    # Skip: an address never confirmed is not kept.
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        address = None if person is None else await profiles.email_address(session, person.id)
        if address is not None and address.verified_at is None:
            await session.delete(address)
    draft(context)["email_wanted"] = False
    return await next_after(Step.EMAIL_CODE, update, context)
