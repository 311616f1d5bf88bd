"""Browsing the places: the venues, a venue and its rooms, a room's card, a location pin."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import entry
from bot.cards import room_card, venue_card
from bot.catalog.models import ContentPack, Room, Venue
from handlers import Action, keyboards
from handlers.buttons import Pressed, Route, feature_buttons, show
from handlers.context import BotContext
from handlers.keyboards import button


async def show_venues(update: Update, context: BotContext, pressed: Pressed[None]) -> None:
    t, pack = context.t, pressed.pack
    rows = [
        [button(v.name.get(t.lang, pack.default_language), Action.VENUE, v.id, pack=pack.version)]
        for v in pack.venues
        if keyboards.fits(Action.VENUE, v.id)
    ]
    rows.append(keyboards.back_to_menu(t, pack.version))
    await show(update, t.paragraph(t._("Venues")), InlineKeyboardMarkup(rows))


async def show_venue(update: Update, context: BotContext, pressed: Pressed[Venue]) -> None:
    """The venue's card, with its rooms a page at a time."""
    t, pack, venue = context.t, pressed.pack, pressed.value
    rooms = [r for r in venue.rooms if keyboards.fits(Action.ROOM, r.id)]
    rows = [
        [button(r.name.get(t.lang, pack.default_language), Action.ROOM, r.id, pack=pack.version)]
        for r in keyboards.page_of(rooms, pressed.page)
    ]
    if nav := keyboards.pager(t, pack, Action.VENUE, venue.id, pressed.page, len(rooms)):
        rows.append(nav)
    if venue.geo is not None:
        rows.append([button(t._("🗺 Map"), Action.MAP, venue.id, pack=pack.version)])
    rows.append([button(t._("◀ Venues"), Action.VENUES, pack=pack.version)])
    await show(update, venue_card(venue, pack, t.lang), InlineKeyboardMarkup(rows))


async def show_room(update: Update, context: BotContext, pressed: Pressed[tuple[Room, Venue]]) -> None:
    t, pack = context.t, pressed.pack
    room, venue = pressed.value
    rows = []
    if venue.geo is not None:
        rows.append([button(t._("🗺 Map"), Action.MAP, venue.id, pack=pack.version)])
    # TRANSLATORS: a button back to a venue's card: {venue} is its name
    back = t._("◀ {venue}").format(venue=venue.name.get(t.lang, pack.default_language))
    rows.append([button(back, Action.VENUE, venue.id, pack=pack.version)])
    await show(update, room_card(room, venue, pack, t.lang), InlineKeyboardMarkup(rows), new=True)


async def send_map(update: Update, context: BotContext, pressed: Pressed[tuple[Room | None, Venue]]) -> None:
    """The venue's location pin, titled with the room when the button was a room's."""
    t, pack = context.t, pressed.pack
    room, venue = pressed.value
    chat = update.effective_chat
    if chat is None or venue.geo is None:
        await show(update, t.paragraph(t._("There is no map location for this place.")), None, new=True)
        return
    title = venue.name.get(t.lang, pack.default_language)
    if room is not None:
        title = f"{room.name.get(t.lang, pack.default_language)} · {title}"
    address = venue.address.get(t.lang, pack.default_language) if venue.address else ""
    await context.bot.send_venue(
        chat.id, latitude=venue.geo.lat, longitude=venue.geo.lon, title=title[:100], address=address[:100] or title[:100]
    )


BUTTONS = feature_buttons(
    Route(Action.VENUES, show_venues),
    Route(Action.VENUE, show_venue, argument=entry(ContentPack.venue), paged=True),
    Route(Action.ROOM, show_room, argument=entry(ContentPack.room_with_venue)),
    Route(Action.MAP, send_map, argument=entry(ContentPack.place)),
)
